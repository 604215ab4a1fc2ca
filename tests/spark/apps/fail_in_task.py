"""A PySpark app whose tasks raise on one row: the job must fail with that ValueError as its message."""

from pyspark.sql import SparkSession


def stars(row: int) -> int:
    if row == 13:
        raise ValueError(f"review {row} has no stars")
    return row % 5 + 1


if __name__ == "__main__":
    spark = SparkSession.builder.appName("fail_in_task").getOrCreate()
    print(spark.sparkContext.parallelize(range(40), 4).map(stars).sum())
