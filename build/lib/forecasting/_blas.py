"""Keep numpy's and scipy's bundled OpenBLAS to one thread inside forecasting jobs.

The model fits are small (matrices of ~1,000 x 50); a multi-threaded BLAS only oversubscribes
the cores when two jobs run at once. Measured on the 2-core machine: the pipeline tests took
40 s of CPU with OpenBLAS' default threads and 8 s with one thread. threadpoolctl would do this
too but is not a dependency; this calls OpenBLAS' own setter through ctypes.
"""

from __future__ import annotations

import ctypes
import logging
import os
from pathlib import Path

logger = logging.getLogger(__name__)

_SETTERS = (
    "scipy_openblas_set_num_threads64_",
    "scipy_openblas_set_num_threads",
    "openblas_set_num_threads64_",
    "openblas_set_num_threads",
)
_done = False


def limit_blas_threads(threads: int = 1) -> int:
    """Set the thread count of the OpenBLAS copies bundled with numpy and scipy.

    Does nothing when the user chose a count (``OPENBLAS_NUM_THREADS`` or ``OMP_NUM_THREADS``
    set) and runs once per process.

    Parameters
    ----------
    threads : int
        Threads per BLAS call.

    Returns
    -------
    int
        Number of OpenBLAS libraries adjusted (0 when skipped or none found).
    """
    global _done
    if _done or "OPENBLAS_NUM_THREADS" in os.environ or "OMP_NUM_THREADS" in os.environ:
        return 0
    _done = True
    import numpy
    import scipy

    count = 0
    for pkg in (numpy, scipy):
        libs = Path(pkg.__file__).resolve().parent.parent / f"{pkg.__name__}.libs"
        for lib in sorted(libs.glob("*openblas*")):
            try:
                handle = ctypes.CDLL(str(lib))
            except OSError:  # pragma: no cover - unusual wheel layout
                continue
            for name in _SETTERS:
                setter = getattr(handle, name, None)
                if setter is not None:
                    setter(int(threads))
                    count += 1
                    break
    logger.debug("OpenBLAS threads set to %d in %d libraries", threads, count)
    return count
