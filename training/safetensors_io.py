"""Minimal reader/writer for the safetensors format (no dependency on the `safetensors` package).

Layout: 8-byte little-endian unsigned header length N, then N bytes of JSON
{"name": {"dtype": "F32"|"F16", "shape": [...], "data_offsets": [begin, end]}, ...,
 "__metadata__": {str: str}} (offsets relative to the end of the header), then the raw
little-endian tensor data. The header is padded with spaces to a multiple of 8 bytes.
"""
import json
import struct

import numpy as np

DTYPES = {"F32": np.dtype("<f4"), "F16": np.dtype("<f2"), "I32": np.dtype("<i4"), "I64": np.dtype("<i8")}
NAMES = {v: k for k, v in DTYPES.items()}


def save(path, tensors, metadata=None):
    """tensors: dict name -> numpy array (float32/float16/int32/int64), written in insertion order."""
    header, blobs, offset = {}, [], 0
    for name, arr in tensors.items():
        arr = np.ascontiguousarray(arr, dtype=arr.dtype.newbyteorder("<"))
        data = arr.tobytes()
        header[name] = {"dtype": NAMES[arr.dtype], "shape": list(arr.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    raw = json.dumps(header, separators=(",", ":")).encode("utf-8")
    raw += b" " * (-len(raw) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for data in blobs:
            f.write(data)


def load(path):
    """Returns (dict name -> numpy array, metadata dict)."""
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n].decode("utf-8"))
    metadata = header.pop("__metadata__", {})
    base = 8 + n
    tensors = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        dtype = DTYPES[info["dtype"]]
        arr = np.frombuffer(blob, dtype=dtype, count=(end - begin) // dtype.itemsize, offset=base + begin)
        tensors[name] = arr.reshape(info["shape"]).copy()
    return tensors, metadata
