"""Stage 1, frames in: cameras, video files and image folders (`sources`, `camera`) and the
idle motion gate that skips decoding frames of a still scene (`motion`)."""
