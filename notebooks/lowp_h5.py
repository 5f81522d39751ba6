"""Reads lowp study result files (HDF5, layout in data/README.md) into plain Python objects.

    results = lowp_h5.load("out/sr_vs_rn_quick.h5")
    results.root["git_describe"]
    for run in results.select(experiment="sum", algorithm="recursive"):
        run.attrs["format"], run.data["normwise_error"]   # numpy arrays
"""
from dataclasses import dataclass, field

import h5py
import numpy as np


def _value(v):
    """Returns an HDF5 attribute value as a Python str / int / float."""
    if isinstance(v, bytes):
        return v.decode("utf-8")
    if isinstance(v, np.generic):
        return v.item()
    return v


@dataclass
class Run:
    name: str
    attrs: dict = field(default_factory=dict)
    data: dict = field(default_factory=dict)   # name -> numpy array
    units: dict = field(default_factory=dict)  # name -> units string


@dataclass
class Results:
    path: str
    root: dict
    runs: dict    # name -> Run
    claims: dict  # id -> dict of attributes

    def select(self, **attrs):
        """Returns the runs whose attributes equal every given value, sorted by name."""
        out = [r for r in self.runs.values()
               if all(r.attrs.get(k) == v for k, v in attrs.items())]
        return sorted(out, key=lambda r: r.name)

    def one(self, **attrs):
        """Returns the single run matching attrs; raises if there is not exactly one."""
        found = self.select(**attrs)
        if len(found) != 1:
            raise KeyError(f"{len(found)} runs match {attrs}")
        return found[0]


def load(path):
    """Reads a complete lowp result file; raises ValueError for an incomplete one."""
    with h5py.File(path, "r") as f:
        root = {k: _value(v) for k, v in f.attrs.items()}
        if root.get("complete") != 1:
            raise ValueError(f"{path} is not a complete lowp result file")
        runs = {}
        for name, g in f.get("runs", {}).items():
            run = Run(name, {k: _value(v) for k, v in g.attrs.items()})
            for dname, d in g.items():
                run.data[dname] = d[()]
                run.units[dname] = _value(d.attrs.get("units", ""))
            runs[name] = run
        claims = {name: {k: _value(v) for k, v in g.attrs.items()}
                  for name, g in f.get("claims", {}).items()}
    return Results(path, root, runs, claims)
