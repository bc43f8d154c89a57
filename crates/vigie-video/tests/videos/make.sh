#!/usr/bin/env bash
# Makes the synthetic test videos (FFmpeg's own sources: test patterns, fractals, drawn boxes).
# The outputs are committed, because encoders' output changes between FFmpeg versions; the
# expected vPDQ hashes beside them (`*.vpdq.json`) were computed from these exact files by Meta's
# `vpdq` 0.2.5 (`reference.py`); the TMK+PDQF files (`*.tmk`) and scores (`tmk-scores.json`) by
# Meta's `tmk/cpp` (`tmk_reference.py`). Run from this directory; needs Debian's ffmpeg.
set -euo pipefail
ff() { ffmpeg -nostdin -hide_banner -loglevel error -y "$@"; }

# H.264 in MP4, 30 fps, test pattern.
ff -f lavfi -i testsrc=size=320x240:rate=30:duration=3 -c:v libx264 -preset veryfast -pix_fmt yuv420p testsrc-h264-320x240.mp4
# H.264, NTSC rate (30000/1001): one hash every 29 frames, not 30.
ff -f lavfi -i testsrc2=size=176x144:rate=30000/1001:duration=4 -c:v libx264 -preset veryfast -pix_fmt yuv420p testsrc2-h264-ntsc-176x144.mp4
# VP9 in WebM, a fractal zoom.
ff -f lavfi -i mandelbrot=size=256x192:rate=25 -t 3 -c:v libvpx-vp9 -b:v 200k -deadline realtime -cpu-used 8 mandelbrot-vp9-256x192.webm
# MPEG-4 part 2 in AVI: moving boxes over colour bars.
ff -f lavfi -i smptebars=size=352x288:rate=24:duration=3 -vf "drawbox=x='mod(t*80,300)':y=40:w=50:h=50:color=red@1:t=fill,drawbox=x=20:y='mod(t*60,230)':w=30:h=30:color=blue@1:t=fill" -c:v mpeg4 -q:v 5 bars-boxes-mpeg4-352x288.avi
# Odd sizes.
ff -f lavfi -i testsrc=size=97x61:rate=15:duration=2 -c:v libx264 -preset veryfast -pix_fmt yuv444p testsrc-h264-444-97x61.mkv
# Rotation metadata (90°), which vpdq ignores.
ff -f lavfi -i testsrc=size=320x180:rate=30:duration=2 -c:v libx264 -preset veryfast -pix_fmt yuv420p -metadata:s:v rotate=90 testsrc-h264-rotated.mp4
# Variable frame rate: irregular timestamps in Matroska.
ff -f lavfi -i testsrc2=size=160x120:rate=25:duration=3 -vf "setpts='(N+floor(N/7)*0.6)/(25*TB)'" -fps_mode vfr -c:v libx264 -preset veryfast -pix_fmt yuv420p testsrc2-h264-vfr.mkv
# No video stream: a tone.
ff -f lavfi -i sine=frequency=440:duration=1 -c:a aac tone-no-video.mp4
# Colour tags, which vpdq's converter never reads (BT.601, and the range of the pixel format):
# BT.709 (most HD video), full range on a plain yuv420p stream (VP9), and a full-range JPEG format.
ff -f lavfi -i testsrc2=size=320x180:rate=30:duration=2 -c:v libx264 -preset veryfast -pix_fmt yuv420p -colorspace bt709 -color_primaries bt709 -color_trc bt709 testsrc2-h264-bt709-320x180.mp4
ff -f lavfi -i testsrc=size=192x108:rate=25:duration=2 -c:v libvpx-vp9 -b:v 200k -deadline realtime -cpu-used 8 -pix_fmt yuv420p -color_range pc testsrc-vp9-pc-range-192x108.webm
ff -f lavfi -i smptehdbars=size=160x120:rate=24:duration=2 -vf "drawbox=x='mod(t*60,120)':y=30:w=30:h=30:color=yellow@1:t=fill" -c:v libx264 -preset veryfast -pix_fmt yuvj420p yuvj420p-h264-160x120.mkv
# The first video re-encoded (VP9, smaller): the same video for TMK+PDQF. It has no `.vpdq.json`;
# its TMK features and scores are pinned (`tmk_reference.py`). Made after the files above.
ff -i testsrc-h264-320x240.mp4 -vf scale=240:180 -c:v libvpx-vp9 -b:v 150k -deadline realtime -cpu-used 8 testsrc-reencoded-vp9-240x180.webm
# A real display matrix (90° and 45°), written by a stream copy: FFmpeg 5.1 drops the `rotate` tag
# when it encodes (so testsrc-h264-rotated.mp4 above carries none). TMK's reference lets FFmpeg
# autorotate; vPDQ's does not: their `.vpdq.json` (added later, by `reference.py`) equal the
# upright file's, byte for byte.
ff -i testsrc-h264-320x240.mp4 -c copy -metadata:s:v:0 rotate=90 testsrc-h264-display-matrix-90.mp4
ff -i testsrc-h264-320x240.mp4 -c copy -metadata:s:v:0 rotate=45 testsrc-h264-display-matrix-45.mp4
