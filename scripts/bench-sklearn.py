#!/usr/bin/env python3
"""The single-node peer's training and scoring (issue #8): scikit-learn on the gold table DuckDB
exported, with the spec's settings where sklearn has them (20 boosting rounds, depth 5, rate 0.1).
Prints `stage train <s> <rows>`, `metric auc <auc>` and `stage score <s> <rows>` like the other columns.
Usage: bench-sklearn.py GOLD_CSV OUT_DIR   (Debian's python3-sklearn; scripts/bench installs it)"""
import sys
import time

import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score

gold_csv, out = sys.argv[1], sys.argv[2]
numeric = ["distance", "dep_hour", "day_of_week", "month", "origin_late_rate_7d", "dest_late_rate_7d",
           "route_late_rate_28d", "origin_flights_7d"]
t = time.perf_counter()
gold = pd.read_csv(gold_csv, dtype={"origin": "category", "destination": "category"})
for c in ("origin", "destination"):
    gold[c + "_code"] = gold[c].cat.codes  # codes over all airports, as StringIndexer's alphabetical order
inputs = ["origin_code", "destination_code"] + numeric
train = gold[(gold.event_date >= "2001-01-08") & (gold.event_date < "2001-05-01")]
evaluate = gold[(gold.event_date >= "2001-05-01") & (gold.event_date < "2001-06-01")]
model = HistGradientBoostingClassifier(max_iter=20, max_depth=5, learning_rate=0.1, random_state=42)
model.fit(train[inputs], train.is_late)
auc = roc_auc_score(evaluate.is_late, model.predict_proba(evaluate[inputs])[:, 1])
print(f"stage train {time.perf_counter() - t:.1f} {len(train)}")
print(f"metric auc {auc:.4f}")
t = time.perf_counter()
june = gold[(gold.event_date >= "2001-06-01") & (gold.event_date < "2001-07-02")]
pd.DataFrame({"id": june.id, "probability": model.predict_proba(june[inputs])[:, 1]}).to_csv(out + "/predictions.csv", index=False)
print(f"stage score {time.perf_counter() - t:.1f} {len(june)}")
