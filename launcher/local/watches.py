"""Closing an inotify instance without waiting for it.

Closing an instance that ever held a watch waits for an RCU grace period in the kernel: 13-16 ms on this
kind of machine, whatever it watched. A follower that closes its watch when the job ends, or a
supervisor when the job's containers have exited, would make the job's end that much later. Nothing
needs the close to have happened, so it happens in a thread of its own.
"""

from __future__ import annotations

import threading

from inotify_simple import INotify


def close_soon(inotify: INotify) -> None:
    """Close `inotify` in the background; it must not be used again."""
    threading.Thread(target=inotify.close, name="inotify-close", daemon=True).start()
