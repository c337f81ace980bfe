"""Reading e-learning package descriptors into catalogue records: cmi5 course structures
(``cmi5.xml``), SCORM 1.2 / 2004 ``imsmanifest.xml``, Common Cartridge (an ``.imscc``
archive or its unpacked manifest) with its LTI and web links, and single LTI link files.

XML is parsed with defusedxml: a document with a DTD, entity declarations or external
references is refused, never expanded. Archives are read member by member with a size
cap, and a manifest may only name files inside its own package.
"""

from __future__ import annotations

import posixpath
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from .fields import FieldError, parse_duration
from .tabular import Located

#: A descriptor or link file larger than this is refused (they are a few kilobytes).
MAX_XML_BYTES = 5 * 1024 * 1024

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
LTI_TYPES = ("imsbasiclti_xmlv1p0", "imsbasiclti_xmlv1p3")
WEBLINK_TYPES = ("imswl_xmlv1p1", "imswl_xmlv1p2", "imswl_xmlv1p3")


class PackageError(Exception):
    """The package as a whole cannot be read; ``where`` says which part."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(message)
        self.where = where


def local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def children(node: Element, name: str) -> list[Element]:
    # SCORM 1.2's LOM binding spells element names in lower case (typicallearningtime).
    name = name.lower()
    return [c for c in node if local(c.tag).lower() == name]


def child(node: Element | None, *path: str) -> Element | None:
    for name in path:
        if node is None:
            return None
        found = children(node, name)
        node = found[0] if found else None
    return node


def text_of(node: Element | None) -> tuple[str, str]:
    """The text of an element and its language: plain text, or the first of its
    ``langstring`` / ``string`` children (cmi5, LOM)."""
    if node is None:
        return "", ""
    for tag in ("langstring", "string"):
        strings = children(node, tag)
        if strings:
            first = strings[0]
            lang = first.get("lang") or first.get("language") or first.get(XML_LANG) or ""
            return " ".join((first.text or "").split()), lang
    return " ".join("".join(node.itertext()).split()), ""


def parse_xml(data: bytes, where: str) -> Element:
    if len(data) > MAX_XML_BYTES:
        raise PackageError(where, f"is larger than {MAX_XML_BYTES // 1024 // 1024} MB")
    try:
        return fromstring(data, forbid_dtd=True)
    except DefusedXmlException:
        raise PackageError(
            where, "declares a DTD, entities or external references, which are refused"
        ) from None
    except ParseError as exc:
        line, column = exc.position
        raise PackageError(
            f"{where} line {line} column {column}", "is not well-formed XML"
        ) from None


class PackageFiles:
    """The files of a package: an archive (``.imscc``, ``.zip``) or a manifest's folder."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.archive = zipfile.ZipFile(path) if zipfile.is_zipfile(path) else None

    def read(self, name: str, *, base: str = "") -> tuple[bytes, str]:
        """The bytes of ``name`` (relative to ``base`` in the package) and its package path.

        :raises PackageError: the name leaves the package, is missing or too large.
        """
        joined = posixpath.normpath(posixpath.join(base, name.replace("\\", "/")))
        if joined.startswith(("../", "/")) or joined == ".." or urlsplit(name).scheme:
            raise PackageError(name, "points outside the package")
        if self.archive is not None:
            try:
                info = self.archive.getinfo(joined)
            except KeyError:
                raise PackageError(
                    joined, "is named in the manifest but not in the archive"
                ) from None
            if info.file_size > MAX_XML_BYTES:
                raise PackageError(joined, f"is larger than {MAX_XML_BYTES // 1024 // 1024} MB")
            with self.archive.open(info) as handle:
                return handle.read(MAX_XML_BYTES + 1), joined
        target = self.path.parent / joined
        if not target.is_file():
            raise PackageError(joined, "is named in the manifest but missing beside it")
        if target.stat().st_size > MAX_XML_BYTES:
            raise PackageError(joined, f"is larger than {MAX_XML_BYTES // 1024 // 1024} MB")
        return target.read_bytes(), joined

    def manifest(self) -> tuple[bytes, str]:
        if self.archive is not None:
            return self.read("imsmanifest.xml")
        return self.path.read_bytes(), self.path.name

    def close(self) -> None:
        if self.archive is not None:
            self.archive.close()


def read_package(path: Path, *, base_url: str | None) -> Iterator[Located]:
    """Records from any supported descriptor; the kind is told by its root element."""
    files = PackageFiles(path)
    try:
        try:
            data, name = files.manifest()
            root = parse_xml(data, name)
        except PackageError as exc:
            yield exc.where, None, str(exc)
            return
        kind = local(root.tag)
        if kind == "courseStructure":
            yield from _cmi5(root, base_url)
        elif kind == "cartridge_basiclti_link":
            yield from _lti_link(root, name, identifier=None, title_hint="")
        elif kind == "manifest" and _is_cartridge(root):
            yield from _cartridge(root, files, base_url)
        elif kind == "manifest":
            yield from _scorm(root, base_url)
        else:
            yield (
                name,
                None,
                (
                    f"root element <{kind}> is not a cmi5 courseStructure, an IMS manifest "
                    "(SCORM, Common Cartridge) or an LTI link"
                ),
            )
    finally:
        files.close()


def _launch(url: str, base_url: str | None, where: str) -> str:
    url = url.strip()
    if urlsplit(url).scheme in ("http", "https"):
        return url
    if not url:
        raise FieldError("has no launch URL")
    if not base_url:
        raise FieldError("has a relative launch URL; give --base-url where the package is served")
    return urljoin(base_url.rstrip("/") + "/", url)


# -- cmi5 -----------------------------------------------------------------------------------


def _cmi5(root: Element, base_url: str | None) -> Iterator[Located]:
    course = child(root, "course")
    course_text, _ = text_of(child(course, "description"))
    position = 0
    for au in root.iter():
        if local(au.tag) != "au":
            continue
        position += 1
        au_id = au.get("id", "").strip()
        where = f"au[{position}]" + (f" id={au_id}" if au_id else "")
        title, lang = text_of(child(au, "title"))
        description, _ = text_of(child(au, "description"))
        try:
            if not au_id:
                raise FieldError("has no id attribute")
            url = _launch(text_of(child(au, "url"))[0], base_url, where)
        except FieldError as exc:
            yield where, None, str(exc)
            continue
        yield (
            where,
            {
                "id": au_id,
                "title": title,
                "description": description or course_text,
                "format": "course",
                "language": lang,
                "url": url,
                "activity_id": au_id,
            },
            None,
        )
    if position == 0:
        yield "courseStructure", None, "has no <au> (assignable unit) to import"


# -- SCORM ----------------------------------------------------------------------------------


def _scorm(root: Element, base_url: str | None) -> Iterator[Located]:
    package_id = root.get("identifier", "").strip() or "package"
    lom = _lom(root)
    summary, _ = text_of(child(lom, "general", "description"))
    lom_title, lang = text_of(child(lom, "general", "title"))
    if not lang:
        lang = text_of(child(lom, "general", "language"))[0]
    duration = _lom_duration(lom)
    resources = {r.get("identifier", ""): r for r in root.iter() if local(r.tag) == "resource"}
    organizations = child(root, "organizations")
    orgs = children(organizations, "organization") if organizations is not None else []
    if not orgs:
        yield "manifest/organizations", None, "has no <organization> to import"
        return
    default = organizations.get("default") if organizations is not None else None
    org = next((o for o in orgs if o.get("identifier") == default), orgs[0])
    org_title, _ = text_of(child(org, "title"))
    launchable = [i for i in org.iter() if local(i.tag) == "item" and i.get("identifierref")]
    if not launchable:
        yield "manifest/organization", None, "has no <item> that launches a resource"
        return
    for position, item in enumerate(launchable, start=1):
        item_id = item.get("identifier", "").strip() or str(position)
        where = f"organization/item[{position}] identifier={item_id}"
        resource = resources.get(item.get("identifierref", ""))
        try:
            if resource is None or not resource.get("href"):
                raise FieldError("names a resource that is missing or has no href")
            href = (resource.get(XML_BASE) or "") + resource.get("href", "")
            url = _launch(href + (item.get("parameters") or ""), base_url, where)
        except FieldError as exc:
            yield where, None, str(exc)
            continue
        title, _ = text_of(child(item, "title"))
        if len(launchable) == 1:
            title = org_title or lom_title or title
        yield (
            where,
            {
                "id": f"{package_id}/{item_id}",
                "title": title,
                "description": summary,
                "format": "course",
                "language": lang,
                "duration": duration,
                "url": url,
            },
            None,
        )


def _lom(root: Element) -> Element | None:
    metadata = child(root, "metadata")
    if metadata is None:
        return None
    return next((e for e in metadata if local(e.tag) == "lom"), None)


def _lom_duration(lom: Element | None) -> str:
    for path in (("educational", "typicalLearningTime"), ("technical", "duration")):
        node = child(lom, *path)
        if node is not None:
            inner = child(node, "duration")
            if inner is None:
                inner = child(node, "datetime")
            text = ((inner if inner is not None else node).text or "").strip()
            try:
                if text and parse_duration(text):
                    return text
            except FieldError:
                continue
    return ""


# -- Common Cartridge and LTI links ---------------------------------------------------------


def _is_cartridge(root: Element) -> bool:
    schema = child(root, "metadata", "schema")
    if schema is not None and "common cartridge" in (schema.text or "").lower():
        return True
    return any(
        (r.get("type") or "").startswith(("imsbasiclti", "imswl"))
        for r in root.iter()
        if local(r.tag) == "resource"
    )


def _cartridge(root: Element, files: PackageFiles, base_url: str | None) -> Iterator[Located]:
    titles = {
        i.get("identifierref"): text_of(child(i, "title"))[0]
        for i in root.iter()
        if local(i.tag) == "item" and i.get("identifierref")
    }
    found = 0
    for resource in (r for r in root.iter() if local(r.tag) == "resource"):
        kind = resource.get("type") or ""
        if kind not in LTI_TYPES + WEBLINK_TYPES:
            continue
        found += 1
        identifier = resource.get("identifier", "").strip() or str(found)
        where = f"resource[{found}] identifier={identifier}"
        file_node = child(resource, "file")
        href = (file_node.get("href") if file_node is not None else None) or resource.get("href")
        try:
            if not href:
                raise PackageError(where, "has no <file href> naming its link file")
            data, name = files.read(href)
            link = parse_xml(data, name)
        except PackageError as exc:
            yield exc.where if exc.where != href else where, None, str(exc)
            continue
        if kind in LTI_TYPES:
            yield from _lti_link(
                link, name, identifier=identifier, title_hint=titles.get(identifier, "")
            )
        else:
            yield from _web_link(link, name, identifier, titles.get(identifier, ""))
    if not found:
        yield "manifest/resources", None, "has no LTI link or web link resource to import"


def _lti_link(
    link: Element, where: str, *, identifier: str | None, title_hint: str
) -> Iterator[Located]:
    if local(link.tag) != "cartridge_basiclti_link":
        yield where, None, "is not a cartridge_basiclti_link"
        return
    title, _ = text_of(child(link, "title"))
    description, _ = text_of(child(link, "description"))
    url = ""
    for tag in ("secure_launch_url", "launch_url"):
        node = child(link, tag)
        text = (node.text or "").strip() if node is not None else ""
        if text:
            url = text
            break
    if urlsplit(url).scheme not in ("http", "https"):
        yield where, None, "has no absolute launch_url or secure_launch_url"
        return
    yield (
        where,
        {
            "id": identifier or url,
            "title": title_hint or title,
            "description": description,
            "format": "other",
            "url": url,
        },
        None,
    )


def _web_link(link: Element, where: str, identifier: str, title_hint: str) -> Iterator[Located]:
    title, _ = text_of(child(link, "title"))
    url_node = child(link, "url")
    url = (url_node.get("href") or "") if url_node is not None else ""
    if urlsplit(url).scheme not in ("http", "https"):
        yield where, None, "has no absolute <url href>"
        return
    yield (
        where,
        {
            "id": identifier,
            "title": title_hint or title,
            "description": "",
            "format": "other",
            "url": url,
        },
        None,
    )
