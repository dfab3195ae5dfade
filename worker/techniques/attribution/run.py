"""Computing an explanation or a trust report and writing its files, for tasks and the CLI."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import numpy as np

from worker.techniques.analysis import atomic_replace_dir
from worker.techniques.attribution.base import AttributionMap
from worker.techniques.attribution.trust import TrustReport

MAP_FILE = "map.npy"
LAYER_MAP_FILE = "layer_map.npy"
RANDOMISATION_MAPS_FILE = "randomisation_maps.npy"


def write_arrays(out_dir: Path, arrays: dict[str, np.ndarray]) -> None:
    """Save ``name -> array`` as .npy files (float arrays as float32, integers kept) in
    ``out_dir``; all files appear together or not at all (see ``atomic_replace_dir``)."""
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    try:
        for name, array in arrays.items():
            # C order: readers (the browser's .npy parser) expect row-major data.
            array = np.asarray(array)
            dtype = array.dtype if np.issubdtype(array.dtype, np.integer) else np.float32
            data = np.ascontiguousarray(array, dtype=dtype)
            np.save(tmp / name, data, allow_pickle=False)
        atomic_replace_dir(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_explanation(result: AttributionMap, out_dir: Path) -> dict:
    """Save ``map.npy`` (and ``layer_map.npy`` for CAM methods); return the summary."""
    arrays = {MAP_FILE: result.map}
    if result.layer_map is not None:
        arrays[LAYER_MAP_FILE] = result.layer_map
    write_arrays(out_dir, arrays)
    return result.summary()


def write_trust_report(report: TrustReport, out_dir: Path) -> dict:
    """Save the map and the maps after each randomisation step; return the summary."""
    write_arrays(
        out_dir, {MAP_FILE: report.map, RANDOMISATION_MAPS_FILE: report.randomisation.maps}
    )
    return report.summary()
