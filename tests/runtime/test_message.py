from __future__ import annotations

from pathlib import Path

from byoc_runtime.message import MESSAGE_LIMIT_BYTES, truncate_utf8, write_exit_message


def test_short_message_is_kept_whole() -> None:
    assert truncate_utf8("InputError: bad") == b"InputError: bad"


def test_long_message_is_cut_on_a_character_boundary() -> None:
    text = "x" + "é" * 600  # 1 + 1200 bytes: a naive cut at 1024 would split an 'é'
    data = truncate_utf8(text)
    assert len(data) == MESSAGE_LIMIT_BYTES - 1
    assert data.decode("utf-8") == text[: 1 + 511]


def test_write_creates_the_output_folder(tmp_path: Path) -> None:
    target = tmp_path / "output" / "message"
    write_exit_message(target, "€" * 1000)
    assert len(target.read_bytes()) <= MESSAGE_LIMIT_BYTES
    target.read_bytes().decode("utf-8")
