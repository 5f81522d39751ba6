"""Reads h5_fixture's file with h5py and with notebooks/lowp_h5.py; exits non-zero on any difference."""
import math
import sys

import h5py
import numpy as np

sys.path.insert(0, sys.argv[2])
import lowp_h5  # noqa: E402

path = sys.argv[1]
with h5py.File(path, "r") as f:
    assert f.attrs["study"] == "fixture", f.attrs["study"]
    assert f.attrs["config"] == "k=v"
    assert f.attrs["complete"] == 1 and f.attrs["seed"] == 42
    assert f.attrs["note"] == "\u03bb = 3"
    g = f["runs/run_1"]
    assert g.attrs["format"] == "E4M3,bias=9" and g.attrs["count"] == -7 and g.attrs["u"] == 2.0**-11
    big = g["big"][()]
    assert big.shape == (50, 100) and big.dtype == np.float64
    assert np.array_equal(big.ravel(), np.arange(5000) * 0.5)
    assert g["big"].compression == "gzip" and g["big"].attrs["units"] == "s"
    sp = g["special"][()]
    assert math.copysign(1, sp[0]) == -1 and sp[0] == 0 and sp[1] == math.inf
    assert sp[2] == 5e-324 and math.isnan(sp[3])
    ints = g["ints"][()]
    assert ints.dtype == np.int64 and list(ints) == [1, -2, 2**63 - 1]
    c = f["claims/claim_a"]
    assert c.attrs["pass"] == 1 and c.attrs["measured"] == 0.25 and c.attrs["statement"] == "holds"

res = lowp_h5.load(path)
run = res.one(format="E4M3,bias=9")
assert run.units["ints"] == "count" and run.data["big"].shape == (50, 100)
assert res.claims["claim_a"]["pass"] == 1
print("h5py round trip: ok")
