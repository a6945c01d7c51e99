"""How the shipped default model is built: real keypoints, conversion, synthesis, recipe.

- `real`: the labelled photos in ../shared/data and their train/test sides.
- `extract`: keypoints from those photos (MediaPipe IMAGE mode), cached by file hash.
- `kinivi`: kinivi's published MediaPipe keypoints, converted back to unmirrored frames.
- `procedural`: a kinematic hand model that draws keypoints for gestures and non-gestures.
- `augment`: small rotations, stretch, jitter, mirroring with the left/right swap.
- `samples`: labelled keypoints with their source; caps, mirroring, balancing.
- `ensemble`: several MLPs averaged and stored as one.
- `recipe`: puts it all together (`build_default_model`); figures in models/README.md.
"""
