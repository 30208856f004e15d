"""Array types of the screening index, and the column that grows as entries are added."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


class Column[T: np.generic]:
    """A numpy array that grows by doubling (for entries added after the build)."""

    def __init__(self, values: npt.ArrayLike, dtype: type[T], width: int = 0) -> None:
        self.data: npt.NDArray[T] = np.asarray(values, dtype=dtype)
        if width and self.data.size == 0:
            self.data = self.data.reshape(0, width)
        self.size = len(self.data)

    @property
    def view(self) -> npt.NDArray[T]:
        return self.data[: self.size]

    def append(self, values: npt.ArrayLike) -> None:
        values = np.asarray(values, dtype=self.data.dtype)
        need = self.size + len(values)
        if need > len(self.data):
            grown = np.zeros(
                (max(need, 2 * len(self.data) + 16), *self.data.shape[1:]), self.data.dtype
            )
            grown[: self.size] = self.data[: self.size]
            self.data = grown
        self.data[self.size : need] = values
        self.size = need
