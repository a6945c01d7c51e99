"""`gestured bench`: per-stage timings of the frame path on clips (`core`), their report
(`report`) and the OpenPose backend's own measurements (`openpose`)."""
