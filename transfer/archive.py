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
    """An archive that passed every check: its manifest, and its members' bytes."""

    manifest: dict
    members: dict[str, bytes]

    def json(self, name: str):
        return json.loads(self.members[name])


def _safe_name(name: str) -> bool:
    path = PurePosixPath(name)
    return bool(name) and not path.is_absolute() and ".." not in path.parts and "\\" not in name


def _read_bounded(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    limit = settings.TRANSFER_MAX_MEMBER_BYTES
    if info.file_size > limit:
        raise ArchiveError(f"The member {info.filename} is larger than {limit} bytes.")
    read, chunks = 0, []
    with archive.open(info) as member:
        while chunk := member.read(CHUNK):
            read += len(chunk)
            if read > limit:
                raise ArchiveError(f"The member {info.filename} is larger than {limit} bytes.")
            chunks.append(chunk)
    return b"".join(chunks)


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
            members = {}
            for info in infos:
                if info.filename == MANIFEST:
                    continue
                if info.filename not in listed:
                    raise ArchiveError(f"The member {info.filename} is not in the manifest.")
                members[info.filename] = _verified(archive, info, listed[info.filename])
    except zipfile.BadZipFile as error:
        raise ArchiveError(f"The file is not a readable zip archive ({error}).") from None
    missing = sorted(set(listed) - set(members))
    if missing:
        raise ArchiveError(f"The manifest lists {missing[0]}, which the archive does not hold.")
    return Archive(manifest=manifest, members=members)


def _verified(archive: zipfile.ZipFile, info: zipfile.ZipInfo, expected: dict) -> bytes:
    content = _read_bounded(archive, info)
    if hashlib.sha256(content).hexdigest() != expected.get("sha256") or len(
        content
    ) != expected.get("size"):
        raise ArchiveError(
            f"The checksum of {info.filename} does not match the manifest: "
            "the archive was changed or damaged."
        )
    return content


def _size_of(source) -> int:
    if isinstance(source, str | os.PathLike):
        return os.path.getsize(source)
    position = source.tell()
    source.seek(0, 2)
    size = source.tell()
    source.seek(position)
    return size
