"""moto_server, with each request handled under one lock.

moto checks a write's condition (S3 `If-None-Match: *` on CompleteMultipartUpload, for one)
and then performs the write in a separate step, so two racing requests can both pass the
check. S3 and DynamoDB decide conditional writes atomically; serialising moto's request
handling restores that, so the race tests measure our code, not the emulator. Responses are
still streamed outside the lock.

It also answers S3 ListParts under S3's own XML root, `ListPartsResult`: moto 5.2.5 names it
`ListPartsResponse`, which the AWS SDK for Rust refuses to parse.
"""

import sys
import threading

from moto import server
from moto.moto_server.werkzeug_app import DomainDispatcherApplication
from moto.s3.responses import S3Response

_lock = threading.Lock()
_dispatch = DomainDispatcherApplication.__call__


def _serialised(self, environ, start_response):
    with _lock:
        return _dispatch(self, environ, start_response)


DomainDispatcherApplication.__call__ = _serialised

_list_parts = S3Response.list_parts


def _list_parts_result(self):
    status, headers, body = _list_parts(self)
    wrong, right = "ListPartsResponse", "ListPartsResult"
    if isinstance(body, bytes):
        body = body.replace(wrong.encode(), right.encode())
    else:
        body = body.replace(wrong, right)
    headers.pop("Content-Length", None)
    headers.pop("content-length", None)
    return status, headers, body


S3Response.list_parts = _list_parts_result

if __name__ == "__main__":
    sys.exit(server.main())
