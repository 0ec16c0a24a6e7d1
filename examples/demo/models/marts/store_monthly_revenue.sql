{{ config(materialized='table') }}

-- Monthly revenue and profit per store, with each store's rank inside its state.
with sales as (
    select * from {{ ref('stg_store_sales') }}
),

dates as (
    select * from {{ ref('stg_dates') }}
),

stores as (
    select s_store_sk, s_store_name, s_state
    from {{ source('tpcds', 'store') }}
    where s_state in ('TN', 'GA')
)

select
    stores.s_store_name,
    stores.s_state,
    dates.year,
    dates.month_of_year,
    sum(sales.sales_amount) as revenue,
    sum(sales.net_profit)   as profit,
    rank() over (
        partition by stores.s_state, dates.year, dates.month_of_year
        order by sum(sales.sales_amount) desc
    ) as revenue_rank
from sales
join dates  on sales.sold_date_sk = dates.date_sk
join stores on sales.store_sk = stores.s_store_sk
where dates.year = 2001
group by stores.s_store_name, stores.s_state, dates.year, dates.month_of_year
