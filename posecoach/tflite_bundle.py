"""Build a MediaPipe Tasks `.task` bundle from bare TFLite pose models.

A PoseLandmarker bundle is a stored (uncompressed) zip holding `pose_detector.tflite`
and `pose_landmarks_detector.tflite`, 4-byte aligned so the runtime can map the
models in place. Each model must carry TFLite metadata that tells the Tasks runtime
how to normalise the input image (detector: (px - 127.5) / 127.5; landmarks: px / 255).

mediapipe 1.2.x's own metadata writer cannot be imported (a compiled helper that
reports the minimum metadata parser version is missing from the wheel), so the
metadata flatbuffer is written here directly with the schema classes mediapipe ships.
Every field we write exists since metadata schema 1.0.0, hence `min_parser_version`.
"""

from __future__ import annotations

import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path

import flatbuffers
import numpy as np
from mediapipe.tasks.metadata import metadata_schema_py_generated as mfb
from mediapipe.tasks.metadata import schema_py_generated as tfb

METADATA_NAME = "TFLITE_METADATA"
MIN_PARSER_VERSION = "1.0.0"
DETECTOR_ENTRY = "pose_detector.tflite"
LANDMARKS_ENTRY = "pose_landmarks_detector.tflite"
_ALIGN = 4
_ALIGN_EXTRA_ID = 0xD935  # the extra-field id Android's zipalign uses for padding


@dataclass(frozen=True)
class ImageNormalization:
    mean: float
    std: float


DETECTOR_NORMALIZATION = ImageNormalization(mean=127.5, std=127.5)
LANDMARKS_NORMALIZATION = ImageNormalization(mean=0.0, std=255.0)


def _tensor_names(model: "tfb.ModelT", indices: np.ndarray | list[int]) -> list[str]:
    tensors = model.subgraphs[0].tensors
    return [tensors[int(i)].name.decode() if isinstance(tensors[int(i)].name, bytes)
            else str(tensors[int(i)].name) for i in indices]


def _metadata_buffer(name: str, norm: ImageNormalization, input_name: str,
                     output_names: list[str]) -> bytes:
    image = mfb.ImagePropertiesT()
    image.colorSpace = mfb.ColorSpaceType.RGB
    content = mfb.ContentT()
    content.contentPropertiesType = mfb.ContentProperties.ImageProperties
    content.contentProperties = image

    normalization = mfb.NormalizationOptionsT()
    normalization.mean = [norm.mean]
    normalization.std = [norm.std]
    unit = mfb.ProcessUnitT()
    unit.optionsType = mfb.ProcessUnitOptions.NormalizationOptions
    unit.options = normalization

    stats = mfb.StatsT()
    stats.max = [(255.0 - norm.mean) / norm.std]
    stats.min = [(0.0 - norm.mean) / norm.std]

    image_input = mfb.TensorMetadataT()
    image_input.name = input_name
    image_input.description = "Input image to be processed."
    image_input.content = content
    image_input.processUnits = [unit]
    image_input.stats = stats

    outputs = []
    for out_name in output_names:
        feature = mfb.ContentT()
        feature.contentPropertiesType = mfb.ContentProperties.FeatureProperties
        feature.contentProperties = mfb.FeaturePropertiesT()
        tensor = mfb.TensorMetadataT()
        tensor.name = out_name
        tensor.content = feature
        outputs.append(tensor)

    subgraph = mfb.SubGraphMetadataT()
    subgraph.inputTensorMetadata = [image_input]
    subgraph.outputTensorMetadata = outputs

    metadata = mfb.ModelMetadataT()
    metadata.name = name
    metadata.description = "BlazePose model packaged by PoseCoach from the MediaPipe release."
    metadata.subgraphMetadata = [subgraph]
    metadata.minParserVersion = MIN_PARSER_VERSION

    builder = flatbuffers.Builder(0)
    builder.Finish(metadata.Pack(builder), b"M001")
    return bytes(builder.Output())


def with_image_metadata(model_bytes: bytes, name: str, norm: ImageNormalization) -> bytes:
    """Return the TFLite model with (replaced) image-input metadata."""
    model = tfb.ModelT.InitFromObj(tfb.Model.GetRootAsModel(bytearray(model_bytes), 0))
    subgraph = model.subgraphs[0]
    if len(subgraph.inputs) != 1:
        raise ValueError(f"{name}: expected one image input, got {len(subgraph.inputs)}")
    metadata_bytes = _metadata_buffer(
        name, norm, _tensor_names(model, subgraph.inputs)[0], _tensor_names(model, subgraph.outputs)
    )
    buffer = tfb.BufferT()
    buffer.data = np.frombuffer(metadata_bytes, dtype=np.uint8)
    model.buffers.append(buffer)
    entry = tfb.MetadataT()
    entry.name = METADATA_NAME
    entry.buffer = len(model.buffers) - 1

    def _name(m: "tfb.MetadataT") -> str:
        return m.name.decode() if isinstance(m.name, bytes) else str(m.name)

    model.metadata = [m for m in (model.metadata or []) if _name(m) != METADATA_NAME] + [entry]
    builder = flatbuffers.Builder(len(model_bytes) + len(metadata_bytes) + 1024)
    builder.Finish(model.Pack(builder), b"TFL3")
    return bytes(builder.Output())


def write_aligned_zip(path: Path, entries: dict[str, bytes]) -> None:
    """Write a stored zip whose member data starts on 4-byte boundaries."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        for entry_name, data in entries.items():
            info = zipfile.ZipInfo(entry_name, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED
            offset = archive.fp.tell() if archive.fp is not None else 0
            header = 30 + len(entry_name.encode())
            pad = (-(offset + header + 4)) % _ALIGN
            info.extra = struct.pack("<HH", _ALIGN_EXTRA_ID, pad) + b"\0" * pad
            archive.writestr(info, data)


def build_pose_bundle(detector_tflite: bytes, landmarks_tflite: bytes, out_path: Path) -> None:
    """Write a PoseLandmarker `.task` bundle from the two bare TFLite models."""
    write_aligned_zip(out_path, {
        DETECTOR_ENTRY: with_image_metadata(detector_tflite, "pose_detector", DETECTOR_NORMALIZATION),
        LANDMARKS_ENTRY: with_image_metadata(landmarks_tflite, "pose_landmarks_detector",
                                             LANDMARKS_NORMALIZATION),
    })


def read_bundle_alignment(path: Path) -> dict[str, int]:
    """Data offset modulo 4 of every member (all 0 for a well-formed bundle)."""
    result = {}
    with zipfile.ZipFile(path) as archive, open(path, "rb") as raw:
        for info in archive.infolist():
            raw.seek(info.header_offset + 26)
            name_len, extra_len = struct.unpack("<HH", raw.read(4))
            result[info.filename] = (info.header_offset + 30 + name_len + extra_len) % _ALIGN
    return result
