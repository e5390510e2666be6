"""A/B in one process: ``stats.selectors.under`` (a range on SQLite) against plain ``startswith``,
CPU time per ``situation()`` call + JSON, the variants alternating, on the cached city of
``city_bench`` after a ``situation`` run made its users.

Run: ``python -m bench.city_situation_ab EVENTS ROUNDS`` (e.g. ``1000000 20``)."""

import json
import os
import sys
import time

import numpy as np

from bench import city_data as data

os.environ.update(data.env_for("sqlite", int(sys.argv[1]), 3, 1))
sys.path.insert(0, str(data.ROOT))
import django  # noqa: E402

django.setup()
from django.db.models import Q  # noqa: E402

from jiewang.accounts.models import User  # noqa: E402
from jiewang.stats import selectors  # noqa: E402

new = selectors.under


def old(field, path):
    return Q(**{f"{field}__startswith": path})


out = {}
for level in ("town", "district", "city"):
    users = list(User.objects.filter(username__startswith=f"bench_sit_{level}_"))[:10]
    res = {"old": [], "new": []}
    for u in users:  # warm
        selectors.situation(user=User.objects.get(pk=u.pk), days=30)
    for rnd in range(int(sys.argv[2])):
        for name, fn in (("old", old), ("new", new)) if rnd % 2 else (("new", new), ("old", old)):
            selectors.under = fn
            u = users[rnd % len(users)]
            uu = User.objects.get(pk=u.pk)
            c = time.process_time()
            a = selectors.situation(user=uu, days=30)
            res[name].append(time.process_time() - c)
            json.dumps(a, default=str)
    out[level] = {k: round(float(np.median(v)) * 1000, 1) for k, v in res.items()}
    print(level, out[level], flush=True)
