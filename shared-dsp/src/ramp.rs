//! Settings that ramp: a vector of continuous values that moves linearly to its target
//! over a fixed number of control ticks, so automation and typed values never click.

/// `N` continuous values ramping to their targets over `ramp_ticks` control ticks.
#[derive(Clone, Debug)]
pub struct Ramp<const N: usize> {
    target: [f32; N],
    current: [f32; N],
    step: [f32; N],
    ticks_left: usize,
    ramp_ticks: usize,
}

impl<const N: usize> Ramp<N> {
    /// Values standing at `values`, ramping over `ramp_ticks` ticks (at least 1) when moved.
    pub fn new(values: [f32; N], ramp_ticks: usize) -> Self {
        Self {
            target: values,
            current: values,
            step: [0.0; N],
            ticks_left: 0,
            ramp_ticks: ramp_ticks.max(1),
        }
    }

    /// Sets the targets; the values start ramping there on the next tick. Cheap when
    /// nothing changed.
    pub fn set_target(&mut self, target: [f32; N]) {
        if target == self.target {
            return;
        }
        self.target = target;
        let mut any = false;
        for ((step, &to), &now) in self.step.iter_mut().zip(&target).zip(&self.current) {
            let delta = to - now;
            *step = delta / self.ramp_ticks as f32;
            any |= delta != 0.0;
        }
        self.ticks_left = if any { self.ramp_ticks } else { 0 };
    }

    /// Advances one control tick; returns whether the values moved.
    pub fn tick(&mut self) -> bool {
        if self.ticks_left == 0 {
            return false;
        }
        self.ticks_left -= 1;
        if self.ticks_left == 0 {
            self.current = self.target;
        } else {
            for (now, step) in self.current.iter_mut().zip(&self.step) {
                *now += step;
            }
        }
        true
    }

    /// Jumps to the targets.
    pub fn snap(&mut self) {
        self.current = self.target;
        self.ticks_left = 0;
    }

    /// The values now.
    pub fn current(&self) -> &[f32; N] {
        &self.current
    }

    /// Whether the values are still moving.
    pub fn is_moving(&self) -> bool {
        self.ticks_left > 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ramps_linearly_and_lands_exactly() {
        let mut r = Ramp::new([0.0, 10.0], 4);
        r.set_target([1.0, 10.0]);
        let mut seen = vec![];
        while r.tick() {
            seen.push(r.current()[0]);
        }
        assert_eq!(seen, vec![0.25, 0.5, 0.75, 1.0]);
        assert_eq!(r.current(), &[1.0, 10.0]);
        assert!(!r.is_moving());
        r.set_target([1.0, 10.0]);
        assert!(!r.tick());
        r.set_target([3.0, 0.0]);
        r.snap();
        assert_eq!(r.current(), &[3.0, 0.0]);
    }
}
