"""Writes the sample product reviews here: part-0.tsv ... part-3.tsv (seeded, so always the same files).

The Amazon Customer Reviews TSV layout (header row, 15 tab-separated columns), 300 rows over four
files, about two thirds from the US marketplace and the rest from UK, DE, FR and JP. Some titles hold
a bare double quote, as the real data does. Run: python3 examples/data/reviews/generate.py
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

HEADER = ("marketplace", "customer_id", "review_id", "product_id", "product_parent", "product_title",
          "product_category", "star_rating", "helpful_votes", "total_votes", "vine", "verified_purchase",
          "review_headline", "review_body", "review_date")
MARKETPLACES = ("US",) * 6 + ("UK", "DE", "FR")
JP_EVERY = 25  # and every 25th row is JP
PRODUCTS = ("Cast iron skillet, 12\"", "Chef knife 8 inch", "Pour-over coffee maker", "Bamboo cutting board",
            "Silicone baking mat", "Digital kitchen scale", "Stainless mixing bowls", "Garlic press")
CATEGORIES = ("Kitchen", "Home", "Grocery")
HEADLINES = ("Great value", "Works as described", "Broke after a week", "Five stars", "Not what I expected",
             "Would buy again")
WORDS = ("solid", "light", "sharp", "cheap", "sturdy", "easy", "to", "clean", "and", "use", "the", "handle",
         "gets", "hot", "fast", "arrived", "late", "perfect", "gift")
FILES = 4
ROWS_PER_FILE = 75


def rows(rng: random.Random) -> list[tuple[str, ...]]:
    found: list[tuple[str, ...]] = []
    for i in range(FILES * ROWS_PER_FILE):
        product = rng.randrange(len(PRODUCTS))
        votes = rng.randrange(0, 30)
        found.append((
            "JP" if i % JP_EVERY == JP_EVERY - 1 else rng.choice(MARKETPLACES),
            str(rng.randrange(10_000_000, 99_999_999)),
            f"R{rng.randrange(16**12):012X}",
            f"B{product:03d}{rng.randrange(10**5):05d}",
            str(100_000_000 + product),
            PRODUCTS[product],
            rng.choice(CATEGORIES),
            str(rng.choice((1, 2, 3, 4, 4, 5, 5, 5))),
            str(rng.randrange(0, votes + 1)),
            str(votes),
            "N",
            rng.choice(("Y", "Y", "N")),
            rng.choice(HEADLINES),
            " ".join(rng.choice(WORDS) for _ in range(rng.randrange(5, 20))),
            (date(2015, 1, 1) + timedelta(days=rng.randrange(0, 365))).isoformat(),
        ))
    return found


def main() -> None:
    here = Path(__file__).parent
    everything = rows(random.Random(20191203))
    for f in range(FILES):
        part = everything[f * ROWS_PER_FILE:(f + 1) * ROWS_PER_FILE]
        lines = ["\t".join(HEADER), *("\t".join(row) for row in part)]
        (here / f"part-{f}.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
