"""Nightly job: margin by item category and brand for one year, ranked inside each category.

Reads the warehouse tables directly (the dbt marts are for the BI tool); writes marts.category_margins.
"""
import sys

from pyspark.sql import SparkSession, Window
from pyspark.sql import functions as F


def load_sales(spark, year):
    sales = spark.read.table("tpcds.store_sales")
    dates = spark.read.table("tpcds.date_dim").filter(F.col("d_year") == year)
    return sales.join(dates, sales.ss_sold_date_sk == dates.d_date_sk)


def category_margins(spark, year):
    items = spark.read.table("tpcds.item").filter(F.col("i_category").isin("Books", "Music", "Home"))
    sales = load_sales(spark, year).join(items, F.col("ss_item_sk") == F.col("i_item_sk"))
    margins = (
        sales.groupBy("i_category", "i_brand")
        .agg(
            F.sum("ss_net_profit").alias("profit"),
            F.sum("ss_ext_sales_price").alias("revenue"),
        )
        .withColumn("margin", F.col("profit") / F.col("revenue"))
    )
    by_category = Window.partitionBy("i_category").orderBy(F.col("margin").desc())
    return (
        margins.withColumn("margin_rank", F.rank().over(by_category))
        .filter(F.col("margin_rank") <= 10)
        .orderBy("i_category", "margin_rank")
    )


def main(argv):
    year = int(argv[1]) if len(argv) > 1 else 2001
    spark = SparkSession.builder.appName("category_margins").getOrCreate()
    category_margins(spark, year).write.mode("overwrite").saveAsTable("marts.category_margins")


if __name__ == "__main__":
    main(sys.argv)
