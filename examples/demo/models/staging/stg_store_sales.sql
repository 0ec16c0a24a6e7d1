-- Store sales with the columns the marts use, typed and renamed.
with source as (
    select * from {{ source('tpcds', 'store_sales') }}
)

select
    ss_ticket_number            as ticket_number,
    ss_item_sk                  as item_sk,
    ss_store_sk                 as store_sk,
    ss_sold_date_sk             as sold_date_sk,
    ss_quantity                 as quantity,
    cast(ss_ext_sales_price as decimal(12, 2)) as sales_amount,
    cast(ss_net_profit as decimal(12, 2))      as net_profit
from source
where ss_store_sk is not null
