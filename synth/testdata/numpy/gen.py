# Generates the .npy fixtures in this directory with NumPy itself, so that
# the Go reader is checked against files it did not write. Not run by the
# tests (CI has no NumPy); rerun by hand with: /usr/bin/python3 gen.py
import numpy as np
from numpy.lib import format as fmt

a = np.array([[1.5, -2.25, 3.0], [0.1, 1e300, -0.0]], dtype=np.float64)
np.save("f8_2x3.npy", a)
np.save("f4_4.npy", np.array([0.5, -1.0, 3.25, 1e-3], dtype=np.float32))
np.save("i8_3.npy", np.array([-7, 0, 9007199254740992], dtype=np.int64))
np.save("i4_2x2.npy", np.array([[1, -2], [3, -4]], dtype=np.int32))
np.save("u1_2x2x2.npy", np.arange(8, dtype=np.uint8).reshape(2, 2, 2))
np.save("bool_3.npy", np.array([True, False, True]))
np.save("be_f8_2x2.npy", np.array([[1.0, 2.0], [3.0, -4.5]], dtype=">f8"))
np.save("fortran_f8_2x3.npy", np.asfortranarray(a))
np.save("c16_2.npy", np.array([1 + 2j, 3 - 1j], dtype=np.complex128))
np.save("f2_2.npy", np.array([1.0, 2.0], dtype=np.float16))
np.save("structured.npy", np.zeros(2, dtype=[("x", "<f8"), ("y", "<i4")]))
np.save("scalar_f8.npy", np.float64(2.5))
with open("v2_f8_2x3.npy", "wb") as f:
    fmt.write_array(f, a, version=(2, 0))
with open("v3_f8_2x3.npy", "wb") as f:
    fmt.write_array(f, a, version=(3, 0))

# A torch.nn.Sequential(Linear(3, 2), act, Linear(2, 1)) state_dict in
# float32, as np.savez and np.savez_compressed write it.
sd = {"0.weight": np.arange(6, dtype=np.float32).reshape(2, 3) / 4, "0.bias": np.array([0.5, -0.25], dtype=np.float32),
      "2.weight": np.array([[1.5, -2.0]], dtype=np.float32), "2.bias": np.array([0.125], dtype=np.float32)}
np.savez("statedict_f4.npz", **sd)
np.savez_compressed("statedict_f4_compressed.npz", **sd)
