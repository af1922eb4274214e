"""The archive of a förbund's whole data: build it, and read one back with every check
made before anything is parsed or written. The format is described in ``FORMAT.md``.

Reading refuses, each with a message naming what is wrong: an archive larger than
``TRANSFER_MAX_ARCHIVE_BYTES``, more members than ``TRANSFER_MAX_MEMBERS``, a member
larger than ``TRANSFER_MAX_MEMBER_BYTES`` (counted while reading, not taken from the
zip's own word), a member name that is absolute or climbs with ``..``, a member the
manifest does not list or a listed one that is missing, and a checksum or size that
differs from the manifest's.
"""

import datetime
import hashlib
import json
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder

FORMAT_NAME = "finsam-forbund-export"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
CHUNK = 1024 * 1024


class ArchiveError(Exception):
    """The archive is refused; the message says why, in words for the person importing."""


class ExactJSONEncoder(DjangoJSONEncoder):
    """Django's encoder, but times keep their microseconds (Django's drops all but the
    milliseconds): an import must give back exactly what was exported."""

    def default(self, o):
        if isinstance(o, datetime.datetime | datetime.time):
            return o.isoformat()
        return super().default(o)


@dataclass
class ArchiveWriter:
    """Writes members to a zip in ``target`` (a binary file) and notes their checksums."""

    target: object
    files: dict = field(default_factory=dict)

    def __post_init__(self):
        self.zip = zipfile.ZipFile(self.target, "w", compression=zipfile.ZIP_DEFLATED)

    def add(self, name: str, content: bytes) -> None:
        self.files[name] = {"sha256": hashlib.sha256(content).hexdigest(), "size": len(content)}
        self.zip.writestr(name, content)

    def add_json(self, name: str, value) -> None:
        self.add(name, json.dumps(value, cls=ExactJSONEncoder, indent=1).encode())

    def close(self, manifest: dict) -> None:
        manifest = {**manifest, "format": FORMAT_NAME, "format_version": FORMAT_VERSION}
        manifest["files"] = self.files
        self.zip.writestr(MANIFEST, json.dumps(manifest, indent=1, sort_keys=True))
        self.zip.close()


@dataclass
class Archive:
    """An archive that passed every check: its manifest, the names of its members, and
    the JSON members' bytes. A file's bytes are read when asked for (``file``), so an
    import holds one archived PDF in memory at a time, not the whole archive."""

    manifest: dict
    names: frozenset
    data: dict[str, bytes]
    source: object

    def json(self, name: str):
        return json.loads(self.data[name])

    def file(self, name: str) -> bytes:
        """The member ``name``, checked against the manifest once more (a file on disk
        could have been replaced since it was checked)."""
        with zipfile.ZipFile(self.source) as archive:
            try:
                info = archive.getinfo(name)
            except KeyError:
                raise ArchiveError(f"The archive no longer holds {name}.") from None
            return _verified(archive, info, self.manifest["files"][name], keep=True)


def _safe_name(name: str) -> bool:
    path = PurePosixPath(name)
    return bool(name) and not path.is_absolute() and ".." not in path.parts and "\\" not in name


def _chunks(archive: zipfile.ZipFile, info: zipfile.ZipInfo):
    """The member's bytes in chunks, refused past ``TRANSFER_MAX_MEMBER_BYTES`` whatever
    size the zip declares for it."""
    limit = settings.TRANSFER_MAX_MEMBER_BYTES
    if info.file_size > limit:
        raise ArchiveError(f"The member {info.filename} is larger than {limit} bytes.")
    read = 0
    with archive.open(info) as member:
        while chunk := member.read(CHUNK):
            read += len(chunk)
            if read > limit:
                raise ArchiveError(f"The member {info.filename} is larger than {limit} bytes.")
            yield chunk


def _read_bounded(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    return b"".join(_chunks(archive, info))


def _checked_members(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    infos = archive.infolist()
    if len(infos) > settings.TRANSFER_MAX_MEMBERS:
        raise ArchiveError(
            f"The archive has {len(infos)} members; at most "
            f"{settings.TRANSFER_MAX_MEMBERS} are accepted."
        )
    for info in infos:
        if not _safe_name(info.filename):
            raise ArchiveError(f"The member name {info.filename!r} is not allowed.")
    return [info for info in infos if not info.is_dir()]


def _manifest(archive: zipfile.ZipFile, infos) -> dict:
    found = [info for info in infos if info.filename == MANIFEST]
    if not found:
        raise ArchiveError("The archive has no manifest.json: it is not a förbund export.")
    try:
        manifest = json.loads(_read_bounded(archive, found[0]))
    except ValueError:
        raise ArchiveError("The manifest.json is not valid JSON.") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        raise ArchiveError("The manifest.json does not describe a förbund export.")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise ArchiveError(
            f"The archive's format version {manifest.get('format_version')!r} is not "
            f"{FORMAT_VERSION}, the one this installation reads."
        )
    return manifest


def archive_read(source) -> Archive:
    """Open and check the archive in ``source`` (a path or a binary file)."""
    size = _size_of(source)
    if size > settings.TRANSFER_MAX_ARCHIVE_BYTES:
        raise ArchiveError(
            f"The archive is {size} bytes; at most {settings.TRANSFER_MAX_ARCHIVE_BYTES} "
            "are accepted."
        )
    try:
        with zipfile.ZipFile(source) as archive:
            infos = _checked_members(archive)
            manifest = _manifest(archive, infos)
            listed = manifest.get("files") or {}
            data = {}
            for info in infos:
                if info.filename == MANIFEST:
                    continue
                if info.filename not in listed:
                    raise ArchiveError(f"The member {info.filename} is not in the manifest.")
                keep = info.filename.startswith("data/")
                content = _verified(archive, info, listed[info.filename], keep=keep)
                if keep:
                    data[info.filename] = content
            names = frozenset(info.filename for info in infos) - {MANIFEST}
    except zipfile.BadZipFile as error:
        raise ArchiveError(f"The file is not a readable zip archive ({error}).") from None
    missing = sorted(set(listed) - names)
    if missing:
        raise ArchiveError(f"The manifest lists {missing[0]}, which the archive does not hold.")
    return Archive(manifest=manifest, names=names, data=data, source=source)


def _verified(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, expected: dict, *, keep: bool
) -> bytes | None:
    """The member's checksum and size against the manifest's, read in chunks (and bounded
    by ``TRANSFER_MAX_MEMBER_BYTES``); its bytes if ``keep``."""
    digest, size, chunks = hashlib.sha256(), 0, []
    for chunk in _chunks(archive, info):
        digest.update(chunk)
        size += len(chunk)
        if keep:
            chunks.append(chunk)
    if digest.hexdigest() != expected.get("sha256") or size != expected.get("size"):
        raise ArchiveError(
            f"The checksum of {info.filename} does not match the manifest: "
            "the archive was changed or damaged."
        )
    return b"".join(chunks) if keep else None


def _size_of(source) -> int:
    if isinstance(source, str | os.PathLike):
        return os.path.getsize(source)
    position = source.tell()
    source.seek(0, 2)
    size = source.tell()
    source.seek(position)
    return size
