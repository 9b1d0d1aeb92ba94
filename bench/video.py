"""How long the mock takes to make the MP4 a finished video job answers, and how big it is.

    python bench/video.py [--repeat N]

Prints, per size and duration, the encode time of a fresh video (no cache) and the file size,
then the time of one finished /video/retrieve through the whole pipeline on a later Venice spec
(tests/later_venice.py). The pipeline is synchronous: the encode time is how long one retrieve
holds its worker.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mockserver import Mock, Settings
from mockserver.behaviors.video import video_size
from mockserver.media import mp4
from mockserver.types import Incoming

CASES = [("480p", "5s"), ("720p", "5s"), ("720p", "10s"), ("1080p", "10s")]


def encode_times(repeat: int) -> None:
    print(f"{'size':>12} {'seconds':>7} {'frames':>6} {'encode ms':>10} {'MB':>6}")
    for index, (resolution, duration) in enumerate(CASES):
        width, height = video_size("16:9", resolution)
        seconds = float(duration.rstrip("s"))
        times, size = [], 0
        for attempt in range(repeat):
            started = time.perf_counter()
            size = len(
                mp4.encode_mp4(width, height, seconds, seed=1000 * index + attempt)
            )  # fresh seed: no cache
            times.append((time.perf_counter() - started) * 1000)
        frames = mp4.frame_count(seconds)
        median = statistics.median(times)
        print(f"{width:>5}x{height:<6} {seconds:>7g} {frames:>6} {median:>10.1f} {size / 1e6:>6.2f}")


def retrieve_time(repeat: int) -> None:
    from tests.later_venice import write_later_spec

    with tempfile.TemporaryDirectory() as directory:
        mock = Mock(Settings(spec=str(write_later_spec(Path(directory))), video_seconds=0.0))
    base = mock.base_path
    headers = {"authorization": "Bearer bench", "content-type": "application/json"}
    body = {"model": "wan-2.5-preview-text-to-video", "prompt": "p", "duration": "5s", "resolution": "720p"}
    times = []
    for attempt in range(repeat):
        asked = {**body, "prompt": f"take {attempt}"}  # another seed: the video is not cached
        queued = mock.handle(Incoming("POST", base + "/video/queue", "", headers, json.dumps(asked).encode()))
        job = json.loads(queued.body)
        started = time.perf_counter()
        reply = mock.handle(Incoming("POST", base + "/video/retrieve", "", headers, json.dumps(job).encode()))
        times.append((time.perf_counter() - started) * 1000)
        assert reply.media_type == "video/mp4", reply.body[:200]
    median = statistics.median(times)
    print(f"finished /video/retrieve, 1280x720 5 s, whole pipeline: {median:.1f} ms (median of {repeat})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    encode_times(args.repeat)
    retrieve_time(args.repeat)


if __name__ == "__main__":
    main()
