select
    d_date_sk   as date_sk,
    d_date      as calendar_date,
    d_year      as year,
    d_moy       as month_of_year
from {{ source('tpcds', 'date_dim') }}
