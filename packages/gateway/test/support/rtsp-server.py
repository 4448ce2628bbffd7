#!/usr/bin/python3
"""A real RTSP camera for tests: GStreamer's gst-rtsp-server serving an H.264 test pattern.

    /usr/bin/python3 rtsp-server.py PORT [PATH]

Serves rtsp://127.0.0.1:PORT/PATH (default /camera), 352x288 at 15 fps, H.264 High profile
from x264 with a 1 s GOP, SPS/PPS also in-band before key frames. The High profile and the
size differ from the gateway's own simulated encoder (Constrained Baseline, 640x360), so a
forwarded stream shows whether it was re-encoded. Prints "ready" once it listens; stops on
SIGTERM or SIGINT.
"""
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

PIPELINE = (
    "( videotestsrc is-live=true pattern=ball ! video/x-raw,width=352,height=288,framerate=15/1 "
    "! x264enc tune=zerolatency speed-preset=superfast key-int-max=15 bitrate=400 "
    "! video/x-h264,profile=high ! rtph264pay name=pay0 pt=96 config-interval=-1 )"
)


def main() -> None:
    port = sys.argv[1]
    path = sys.argv[2] if len(sys.argv) > 2 else "/camera"
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(port)
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(PIPELINE)
    # One encoder for every client, like a camera.
    factory.set_shared(True)
    server.get_mount_points().add_factory(path, factory)
    if server.attach(None) == 0:
        print(f"cannot listen on port {port}", file=sys.stderr, flush=True)
        sys.exit(1)
    loop = GLib.MainLoop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signum, loop.quit)
    print("ready", flush=True)
    loop.run()


if __name__ == "__main__":
    main()
