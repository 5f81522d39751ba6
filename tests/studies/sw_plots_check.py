"""Draws the shallow-water figures from sw_h5_fixture's file; fails unless every PNG is written
and the file reads back with the expected runs."""
import os
import sys
import tempfile

sys.path.insert(0, sys.argv[2])
import climate_sw_plots  # noqa: E402
import lowp_h5  # noqa: E402

path = sys.argv[1]
res = lowp_h5.load(path)
ref = res.runs["sw_binary64"]
assert ref.data["eta_final"].shape == (25, 50), ref.data["eta_final"].shape
assert ref.units["eta_final"] == "m"
assert len(res.select(kind="member")) == 2 and len(res.select(rounding="sr")) == 2
for name in ("sw_binary16_rn", "sw_bfloat16_rn", "sw_mixed_rn", "sw_binary32_rn"):
    r = res.runs[name]
    assert r.data["eta_rmse"].shape == r.data["time"].shape == (5,), r.data["time"].shape
    assert r.data["eta_rmse"][0] >= 0 and r.attrs["experiment"] == "shallow_water"
assert set(res.claims) == {"sw_bfloat16_worse_than_binary16", "sw_mixed_beats_binary16",
                           "sw_bfloat16_sr_beats_rn"}, set(res.claims)
with tempfile.TemporaryDirectory() as out:
    paths = climate_sw_plots.plot_shallow_water(path, out)
    assert len(paths) == 3, paths
    for p in paths:
        assert os.path.getsize(p) > 5000, (p, os.path.getsize(p))
print("shallow-water plots: ok")
