-- Where answers on each skill switch from wrong to right on the learner model's level scale,
-- relative to items' labelled difficulty: effective difficulty = 0.5 + difficulty_offset +
-- difficulty_slope * (difficulty - 0.5). Fitted from the organisation's own answers (see
-- learner.calibration); 0 and 1 read labelled difficulty as it is.

ALTER TABLE bkt_skill_params
    ADD COLUMN difficulty_offset real NOT NULL DEFAULT 0,
    ADD COLUMN difficulty_slope  real NOT NULL DEFAULT 1,
    -- answers the offset rests on (0: not calibrated)
    ADD COLUMN n_calibration     integer NOT NULL DEFAULT 0;
