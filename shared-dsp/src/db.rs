//! Powers in decibels: one conversion for the analysis (snapshots, the Master's band sums,
//! `stems analyze`: f64 powers, floor [`crate::snapshot::FLOOR_DB`]) and the masking model's
//! hot loops (f32 power ratios, floor [`crate::masking::model::FLOOR_DB`]). The floor is a
//! parameter because the two differ: the snapshot floor is the level reported for silence,
//! the model's lies far below any ratio it judges and keeps its arithmetic finite.

/// A power in the precision it was summed in, for [`power_to_db`].
pub trait Power: Copy {
    /// `10 log10(self)` as f32, the logarithm taken in the power's own precision: `-inf`
    /// for zero, NaN for a negative or NaN power.
    fn ten_log10(self) -> f32;
}

impl Power for f32 {
    #[inline]
    fn ten_log10(self) -> f32 {
        10.0 * self.log10()
    }
}

impl Power for f64 {
    #[inline]
    fn ten_log10(self) -> f32 {
        (10.0 * self.log10()) as f32
    }
}

/// A power (a mean square, or a ratio of two) in dB, never below `floor_db`: zero, negative
/// and NaN powers give `floor_db`, infinity stays infinite. Branch-free, for hot loops.
#[inline]
pub fn power_to_db<P: Power>(power: P, floor_db: f32) -> f32 {
    // `f32::max` returns the other operand for NaN, so a NaN logarithm gives the floor.
    power.ten_log10().max(floor_db)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn powers_in_db_with_their_floor() {
        assert_eq!(power_to_db(1.0f32, -300.0), 0.0);
        assert_eq!(power_to_db(100.0f64, -150.0), 20.0);
        assert_eq!(power_to_db(0.5f32, -300.0), 10.0 * 0.5f32.log10());
        assert_eq!(power_to_db(0.5f64, -150.0), (10.0 * 0.5f64.log10()) as f32);
        for floor in [-150.0, -300.0] {
            for p in [0.0, -0.0, -1.0, f64::NAN, 1e-40] {
                assert_eq!(power_to_db(p, floor), floor, "{p}");
                assert_eq!(power_to_db(p as f32, floor), floor, "{p}");
            }
            assert_eq!(power_to_db(f64::INFINITY, floor), f32::INFINITY);
            assert_eq!(power_to_db(f32::INFINITY, floor), f32::INFINITY);
        }
    }

    /// The masking model's floor is a power ratio of 1e-30 in dB, exactly: a ratio below
    /// 1e-30 reads as one of 1e-30.
    #[test]
    fn the_model_floor_is_a_power_of_1e_minus_30() {
        let floor = crate::masking::model::FLOOR_DB;
        assert_eq!(10.0 * 1e-30f32.log10(), floor);
        assert_eq!(power_to_db(1e-31f32, floor), power_to_db(1e-30f32, floor));
    }
}
