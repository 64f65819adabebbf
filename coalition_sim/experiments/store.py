"""A self-checking sweep folder: checksummed chunks, a writer lock, workers that die with it.

Why: a sweep folder is written over hours by many processes and may be killed, copied,
truncated or meddled with. A chunk counts as done only when the manifest records it - its
row count, byte size and sha256, written when the chunk is committed - and the file on disk
still matches that record. While a sweep runs, each committed chunk's record is appended as
one line to the journal ``chunks.jsonl`` (constant cost per chunk, where rewriting the whole
manifest grew with the chunks done); :func:`read_manifest` reads the journal's records over
the manifest's (a torn last line, from a kill mid-write, is skipped: its chunk is redone) and
:func:`fold_journal` moves them into ``manifest.json`` when the run ends. Resume redoes a chunk that does not match (naming the file);
reading (``analyze``) refuses it. Files the manifest does not know (a stray
``part-000099.parquet``) are ignored with a warning, so they can never change a result.
``points.parquet`` is checked the same way. A lock file (``flock``, released by the kernel
when the holder dies) keeps two writers off one folder (a local sweep's workers are threads of
the writing process, so they die with it).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from ..scenario.errors import ConfigError
from ..scenario.safe_paths import read_input_bytes

__all__ = [
    "JOURNAL_NAME",
    "LOCK_NAME",
    "atomic_bytes",
    "bytes_record",
    "check_columns",
    "file_record",
    "fold_journal",
    "points_problem",
    "read_manifest",
    "record_chunk",
    "scan_chunks",
    "verified_parts",
    "write_manifest",
    "writer_lock",
]

log = logging.getLogger("coalition_sim.sweep")

LOCK_NAME = ".lock"
JOURNAL_NAME = "chunks.jsonl"
MAX_MANIFEST_BYTES = 256 << 20  # 10,000 chunk records and the spec take a few MB
MAX_PART_BYTES = 16 << 30  # far above a chunk of 20,000 runs with trajectories


def atomic_bytes(path: Path, data: bytes, sync: bool = True) -> None:
    """Write ``path`` whole or not at all (temp file, fsync unless ``sync`` is False, rename).

    A part file needs no fsync: its record (size and sha256) is checked before it is used,
    so one that did not reach the disk whole is redone, never read. A failed write removes its
    temp file: on a full disk, a chunk's partial temp file (megabytes) kept holding the space
    the user was told to free until the next run."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            if sync:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def read_manifest(out: str | Path) -> dict[str, Any]:
    """The manifest of a sweep folder; a one-line ConfigError if it is missing or malformed."""
    path = Path(out) / "manifest.json"
    if not (path.exists() or path.is_symlink()):
        raise ConfigError(f"{out}: not a sweep folder (no manifest.json)")
    raw = read_input_bytes(path, MAX_MANIFEST_BYTES, "a JSON manifest")
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}: unreadable manifest ({exc.msg})") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: unreadable manifest (not UTF-8 text)") from None
    except RecursionError:
        raise ConfigError(f"{path}: unreadable manifest (nested too deeply)") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the manifest is not a JSON object (got {type(data).__name__})")
    for key, kind in (("chunk_size", int), ("n_chunks", int), ("spec_hash", str)):
        if not isinstance(data.get(key), kind) or isinstance(data.get(key), bool):
            raise ConfigError(f"{path}: the manifest lacks a valid '{key}'")
    chunks = data.setdefault("chunks", {})
    if not isinstance(chunks, dict):
        raise ConfigError(f"{path}: the manifest's 'chunks' is not a JSON object")
    chunks.update(_journal(Path(out)))
    return data


def _journal(out: Path) -> dict[str, Any]:
    """The chunk records appended to the journal since the manifest was last written, in
    order (a later record of a chunk replaces an earlier one). A line that is not a complete
    record (a kill mid-write) is skipped: its chunk counts as not done."""
    path = out / JOURNAL_NAME
    if not (path.exists() or path.is_symlink()):
        return {}
    raw = read_input_bytes(path, MAX_MANIFEST_BYTES, "a JSON-lines journal")
    found: dict[str, Any] = {}
    for line in raw.split(b"\n"):
        try:
            rec = json.loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
            continue
        if isinstance(rec, dict) and isinstance(rec.get("chunk"), str):
            found[rec.pop("chunk")] = rec
    return found


def write_manifest(out: Path, man: dict[str, Any]) -> None:
    atomic_bytes(out / "manifest.json", (json.dumps(man, indent=2) + "\n").encode())


def fold_journal(out: Path, man: dict[str, Any]) -> None:
    """Write the manifest with every chunk record (sorted by chunk), then drop the journal."""
    man["chunks"] = dict(sorted(man["chunks"].items(), key=lambda kv: _chunk_order(kv[0])))
    write_manifest(out, man)
    (out / JOURNAL_NAME).unlink(missing_ok=True)


def _chunk_order(key: str) -> tuple[int, str]:
    return (int(key), "") if key.isdigit() else (-1, key)


def bytes_record(data: bytes, rows: int) -> dict[str, Any]:
    """Row count, size and sha256 of a Parquet file's bytes, as the manifest stores them."""
    return {"rows": int(rows), "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def file_record(path: Path) -> dict[str, Any]:
    """Row count, size and sha256 of a Parquet file, as the manifest stores them."""
    return bytes_record(path.read_bytes(), pq.ParquetFile(path).metadata.num_rows)


def _problem(path: Path, record: Any) -> str | None:
    """Why ``path`` does not match its manifest ``record`` (None if it does)."""
    if not isinstance(record, dict):
        return "has no valid record in the manifest"
    if not (path.exists() or path.is_symlink()):
        return "is missing"
    try:
        data = read_input_bytes(path, MAX_PART_BYTES, "a Parquet file")
    except ConfigError as exc:
        return str(exc).removeprefix(f"{path}: ")
    if len(data) != record.get("bytes"):
        return f"has {len(data)} bytes, the manifest recorded {record.get('bytes')} (truncated?)"
    if hashlib.sha256(data).hexdigest() != record.get("sha256"):
        return "does not match its recorded sha256 checksum"
    return None


def _part(c: int) -> str:
    return f"part-{c:06d}.parquet"


def record_chunk(out: Path, man: dict[str, Any], c: int, entry: dict[str, Any]) -> None:
    """Record committed chunk ``c`` (the records of its runs and, if kept, trajectories
    files): one line appended to the journal (see the module doc), and in ``man``."""
    # each record starts a new line, so one torn by a kill never swallows the next
    line = "\n" + json.dumps({"chunk": str(c), **entry}, separators=(",", ":"))
    fd = os.open(out / JOURNAL_NAME, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line.encode())  # one appended write: whole or torn, never interleaved
    finally:
        os.close(fd)
    man["chunks"][str(c)] = entry


def scan_chunks(out: Path, man: dict[str, Any]) -> tuple[set[int], list[str]]:
    """Chunks whose files match the manifest, and one message per chunk or file that does not.

    A recorded chunk whose files differ from the record, or an unrecorded part file of a
    valid index (a kill between writing and recording), is not done; a part file outside the
    sweep's chunk range or with another name is a stray and is reported only.
    """
    good: set[int] = set()
    problems: list[str] = []
    n_chunks = man["n_chunks"]
    for key, entry in man["chunks"].items():
        if not (key.isdigit() and int(key) < n_chunks) or not isinstance(entry, dict):
            problems.append(f"manifest entry for chunk {key!r} is not valid; ignored")
            continue
        c = int(key)
        bad = [
            f"{sub}/{_part(c)} {why}"
            for sub in ("runs", "trajectories")
            if sub in entry or sub == "runs"
            for why in [_problem(out / sub / _part(c), entry.get(sub))]
            if why
        ]
        if bad:
            problems.extend(bad)
        else:
            good.add(c)
    for sub in ("runs", "trajectories"):
        folder = out / sub
        if not folder.is_dir():
            continue
        for f in sorted(folder.glob("*.parquet")):
            idx = f.name[5:11]
            known = f.name == _part(int(idx)) if idx.isdigit() else False
            if not known or int(idx) >= n_chunks:
                problems.append(f"{sub}/{f.name} is not part of this sweep; ignored")
            elif str(int(idx)) not in man["chunks"]:
                problems.append(f"{sub}/{f.name} is not recorded in the manifest; ignored")
    return good, problems


def verified_parts(out: str | Path, sub: str = "runs") -> list[Path]:
    """The recorded part files of ``sub`` after checking every recorded chunk.

    Raises ConfigError naming the first file that does not match the manifest; warns about
    (and skips) files the manifest does not know.
    """
    out = Path(out)
    man = read_manifest(out)
    good, problems = scan_chunks(out, man)
    fatal = [p for p in problems if not p.endswith("; ignored")]
    if fatal:
        raise ConfigError(
            f"{out}: {fatal[0]}"
            + (f" (and {len(fatal) - 1} more)" if len(fatal) > 1 else "")
            + "; run the sweep again to redo it"
        )
    for p in problems:
        log.warning("warning: %s: %s", out, p)
    return [
        out / sub / _part(c) for c in sorted(good) if sub == "runs" or sub in man["chunks"][str(c)]
    ]


def check_columns(files: list[Path], columns: object, what: str) -> None:
    """``columns=`` of :func:`read_runs` / ``read_trajectories``: a list of the parts' column
    names, or None. Why: pyarrow answered an unknown name with ArrowInvalid and a dump of
    the whole schema, and a bare string with a TypeError; here it is one line naming the
    column and listing the known ones."""
    if columns is None:
        return
    if isinstance(columns, str | bytes) or not isinstance(columns, list | tuple):
        raise ConfigError(f"columns must be a list of column names, not {columns!r:.60}")
    known = pq.read_schema(files[0]).names  # every chunk has the manifest's schema
    for c in columns:
        if c not in known:
            raise ConfigError(
                f"columns: {c!r:.60} is not a column of the {what} ({', '.join(known)})"
            )


def points_problem(out: Path, man: dict[str, Any]) -> str | None:
    """Why ``points.parquet`` does not match the manifest (None if it does)."""
    why = _problem(out / "points.parquet", man.get("points"))
    return None if why is None else f"points.parquet {why}"


@contextlib.contextmanager
def writer_lock(out: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``out`` for one writer; a second one is refused at once."""
    path = out / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
            raise ConfigError(
                f"{out}: another sweep (pid {holder}) is writing to this folder; wait for it "
                "or use another --out"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock
