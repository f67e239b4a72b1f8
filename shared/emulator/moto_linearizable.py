"""moto_server, with each request handled under one lock.

moto checks a write's condition (S3 `If-None-Match: *` on CompleteMultipartUpload, for one)
and then performs the write in a separate step, so two racing requests can both pass the
check. S3 and DynamoDB decide conditional writes atomically; serialising moto's request
handling restores that, so the race tests measure our code, not the emulator. Responses are
still streamed outside the lock.
"""

import sys
import threading

from moto import server
from moto.moto_server.werkzeug_app import DomainDispatcherApplication

_lock = threading.Lock()
_dispatch = DomainDispatcherApplication.__call__


def _serialised(self, environ, start_response):
    with _lock:
        return _dispatch(self, environ, start_response)


DomainDispatcherApplication.__call__ = _serialised

if __name__ == "__main__":
    sys.exit(server.main())
