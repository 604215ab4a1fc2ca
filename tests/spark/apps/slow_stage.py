"""A PySpark app with one slow stage (40 tasks of 3 s) over every executor, to lose a host in."""

import time

from pyspark.sql import SparkSession


def slow(x: int) -> int:
    time.sleep(3)
    return x


if __name__ == "__main__":
    spark = SparkSession.builder.appName("slow_stage").getOrCreate()
    print(spark.sparkContext.parallelize(range(40), 40).map(slow).sum())
