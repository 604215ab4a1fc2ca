"""Keep one marketplace's product reviews (TSV) in four columns, written as Parquet."""

# In the spirit of the SageMaker Processing launch blog's Spark step: the Amazon Customer Reviews
# dataset is tab-separated with a header row, 15 columns; this keeps marketplace, customer_id,
# review_id and star_rating of the US rows. --input and --output take local folders (an input channel
# and an output's LocalPath) or s3:// / s3a:// URIs. Run on several hosts with a local output, each
# host's folder holds the part files its executors wrote, and together they are the dataset (every
# host's LocalPath is uploaded to the same S3 prefix).
#
#   ContainerArguments: ["preprocess_reviews", "--input", "/opt/ml/processing/input/reviews",
#                        "--output", "/opt/ml/processing/output/clean"]

from __future__ import annotations

from collections.abc import Sequence

from byoc_runtime import ArgumentParser, run

COLUMNS = (
    ("marketplace", "string"), ("customer_id", "string"), ("review_id", "string"), ("product_id", "string"),
    ("product_parent", "string"), ("product_title", "string"), ("product_category", "string"),
    ("star_rating", "int"), ("helpful_votes", "int"), ("total_votes", "int"), ("vine", "string"),
    ("verified_purchase", "string"), ("review_headline", "string"), ("review_body", "string"),
    ("review_date", "date"),
)
KEEP = ("marketplace", "customer_id", "review_id", "star_rating")


def main(argv: Sequence[str]) -> None:
    parser = ArgumentParser(prog="preprocess_reviews", description=__doc__)
    parser.add_argument("--input", default="/opt/ml/processing/input/reviews", help="folder or s3:// prefix of TSVs")
    parser.add_argument("--output", default="/opt/ml/processing/output/clean", help="folder or s3:// prefix")
    parser.add_argument("--marketplace", default="US", help="the marketplace to keep")
    args = parser.parse_args(argv)

    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F

    spark = SparkSession.builder.appName("preprocess_reviews").getOrCreate()
    try:
        schema = ", ".join(f"{name} {kind}" for name, kind in COLUMNS)
        # quote="" turns quoting off: review titles hold bare double quotes (12" skillet).
        reviews = spark.read.csv(args.input, schema=schema, sep="\t", header=True, quote="", mode="FAILFAST")
        kept = reviews.where(F.col("marketplace") == args.marketplace).select(*KEEP)
        kept.write.mode("overwrite").parquet(args.output)
        print(f"preprocess_reviews: wrote the {args.marketplace} reviews of {args.input} to {args.output}", flush=True)
    finally:
        spark.stop()


if __name__ == "__main__":
    run(main)
