"""Stage 2, frame to gesture: a keypoint backend finds hands (`backends`, `hand`), `features`
turns 21 keypoints into a pose vector, `classifier` names the pose; `stills` runs the same on
photos; `model_format` keeps a classifier in files and `npz` reads their arrays."""
