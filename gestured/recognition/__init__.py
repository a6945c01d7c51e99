"""Stage 2, frame to gesture: a keypoint backend finds hands (`backends`, `hand`), `features`
turns 21 keypoints into a pose vector, `classifier` names the pose; `stills` runs the same on
photos and `npz` reads the arrays the classifier is stored in."""
