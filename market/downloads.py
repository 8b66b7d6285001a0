"""Stored files sent to a reader (pages and the API alike): the headers a browser needs to show or save them
safely."""

from pathlib import Path

from flask import send_file

PUBLIC_MAX_AGE = 3600  # a public file may be cached this long (seconds), by browsers and proxies
# A stored file is never a page of the site: nothing in it runs or loads (sandbox, no sources), while the
# browser's own viewer of a picture opened in a tab may style itself (its inline style is not ours).
FILE_SECURITY_POLICY = (
    "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'; sandbox"
)


def send_stored_file(path: Path, content_type: str, *, inline: bool, download_name: str, public: bool):
    """A picture inline or a document as a download, under its uploaded name (RFC 5987-encoded for any
    language); never sniffed (X-Content-Type-Options: nosniff) nor run (a sandbox); revalidated by ETag;
    cached for an hour when anyone may see it, never stored when only some may."""
    response = send_file(
        path,
        mimetype=content_type,
        as_attachment=not inline,
        download_name=download_name,
        conditional=True,
        etag=True,
        max_age=None,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = FILE_SECURITY_POLICY
    response.headers["Cache-Control"] = f"public, max-age={PUBLIC_MAX_AGE}" if public else "private, no-store"
    response.headers.pop("Expires", None)
    return response


def send_listing_file(served):
    """A listing's picture or document (a listing_files.ServedFile): pictures inline, under their own name."""
    return send_stored_file(
        served.path,
        served.content_type,
        inline=served.file.is_image,
        download_name=served.file.download_name,
        public=served.public,
    )
