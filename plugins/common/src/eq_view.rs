//! The EQ curve over a live spectrum, with a draggable handle per section: what both
//! plugins' editors show for their equaliser.
//!
//! Drag a handle to move its frequency (and gain, for bells and shelves); the scroll wheel
//! over a handle changes its Q; a double click switches the section on or off. Dragging a
//! switched-off handle switches it on.

use crate::freq_axis::{self, MAX_HZ, MIN_HZ};
use crate::params::{BandParams, EqSections, PassParams};
use crate::theme;
use egui::{self, pos2, Align2, Color32, FontId, Pos2, Rect, Sense, Shape, Stroke, Ui};
use nice_plug::prelude::*;
use shared_dsp::bands::{BandLayout, NUM_BANDS};
use shared_dsp::eq::Equalizer;

/// The EQ curve's dB range (±).
const EQ_RANGE_DB: f32 = 24.0;
/// The spectrum's dB range: this many dB below 0 dB fill the plot's height.
const SPECTRUM_RANGE_DB: f32 = 110.0;
/// Pixels within which a click grabs a handle.
const GRAB_RADIUS: f32 = 14.0;

/// The view's state between frames.
pub struct EqView {
    layout: BandLayout,
    /// The spectrum as drawn: falls at a limited rate so it reads calmly.
    display_db: [f32; NUM_BANDS],
    dragging: Option<usize>,
}

impl Default for EqView {
    fn default() -> Self {
        Self {
            layout: BandLayout::standard(),
            display_db: [-200.0; NUM_BANDS],
            dragging: None,
        }
    }
}

/// Which parameters a handle moves.
enum Handle<'a> {
    Pass(&'a PassParams),
    Band(&'a BandParams),
}

impl Handle<'_> {
    fn enabled(&self) -> &BoolParam {
        match self {
            Handle::Pass(p) => &p.enabled,
            Handle::Band(b) => &b.enabled,
        }
    }

    fn freq(&self) -> &FloatParam {
        match self {
            Handle::Pass(p) => &p.freq,
            Handle::Band(b) => &b.freq,
        }
    }
}

struct Mapping {
    rect: Rect,
}

impl Mapping {
    fn x_of(&self, hz: f32) -> f32 {
        freq_axis::x_of_hz(self.rect.left(), self.rect.width(), hz)
    }

    fn hz_of(&self, x: f32) -> f32 {
        freq_axis::hz_of_x(self.rect.left(), self.rect.width(), x)
    }

    fn y_of_eq(&self, db: f32) -> f32 {
        self.rect.center().y - db / EQ_RANGE_DB * self.rect.height() / 2.0
    }

    fn eq_of_y(&self, y: f32) -> f32 {
        (self.rect.center().y - y) / (self.rect.height() / 2.0) * EQ_RANGE_DB
    }

    fn y_of_spectrum(&self, db: f32) -> f32 {
        let t = ((db + SPECTRUM_RANGE_DB) / SPECTRUM_RANGE_DB).clamp(0.0, 1.0);
        self.rect.bottom() - t * self.rect.height()
    }
}

impl EqView {
    /// Draws the view `height` px tall over the available width and handles its mouse
    /// input. `band_db` is the spectrum to draw under the curve: band powers (dB) of the
    /// left and right channels on the standard [`BandLayout`]; `sample_rate_hz` is the rate
    /// the curve is computed at (48 kHz when it is not positive, before activation).
    pub fn show(
        &mut self,
        ui: &mut Ui,
        sections: &EqSections,
        band_db: &[[f32; NUM_BANDS]; 2],
        sample_rate_hz: f32,
        setter: &ParamSetter,
        height: f32,
    ) {
        let width = ui.available_width();
        let (response, painter) =
            ui.allocate_painter(egui::vec2(width, height), Sense::click_and_drag());
        let rect = response.rect;
        let map = Mapping {
            rect: rect.shrink2(egui::vec2(0.0, 8.0)),
        };
        painter.rect_filled(rect, 6, theme::PLOT);
        self.grid(&painter, &map);
        self.spectrum(&painter, &map, band_db);

        let sample_rate = match sample_rate_hz {
            r if r > 0.0 => r,
            _ => 48_000.0,
        };
        let settings = sections.settings();
        // The curve ends at Nyquist (below 40 kHz that is inside the plot): a digital
        // filter's response above it is a mirror image, not something the audio has.
        let points: Vec<Pos2> = (0..=(rect.width() as usize / 2))
            .map(|i| rect.left() + i as f32 * 2.0)
            .take_while(|&x| map.hz_of(x) <= sample_rate / 2.0)
            .map(|x| {
                let db = Equalizer::response_db(&settings, sample_rate, map.hz_of(x));
                pos2(
                    x,
                    map.y_of_eq(db.clamp(-EQ_RANGE_DB * 1.2, EQ_RANGE_DB * 1.2)),
                )
            })
            .collect();
        painter.add(Shape::line(points, Stroke::new(2.0, theme::ACCENT)));

        let [low_shelf, bell1, bell2, bell3, high_shelf] = sections.bands;
        let handles = [
            Handle::Pass(sections.high_pass),
            Handle::Band(low_shelf),
            Handle::Band(bell1),
            Handle::Band(bell2),
            Handle::Band(bell3),
            Handle::Band(high_shelf),
            Handle::Pass(sections.low_pass),
        ];
        let positions: Vec<Pos2> = handles
            .iter()
            .map(|h| {
                let db = match h {
                    Handle::Pass(_) => 0.0,
                    Handle::Band(b) => b.gain.value(),
                };
                pos2(map.x_of(h.freq().value()), map.y_of_eq(db))
            })
            .collect();
        let nearest = |p: Pos2| {
            positions
                .iter()
                .enumerate()
                .map(|(i, q)| (i, q.distance(p)))
                .filter(|(_, d)| *d < GRAB_RADIUS)
                .min_by(|a, b| a.1.total_cmp(&b.1))
                .map(|(i, _)| i)
        };
        let hovered = response.hover_pos().and_then(nearest);

        self.input(&response, ui, &handles, &map, setter, hovered, &nearest);

        for (i, (h, p)) in handles.iter().zip(&positions).enumerate() {
            let color = theme::band_color(i);
            let on = h.enabled().value();
            let active = hovered == Some(i) || self.dragging == Some(i);
            let radius = if active { 8.0 } else { 6.0 };
            if on {
                painter.circle_filled(*p, radius, color);
            } else {
                painter.circle_stroke(*p, radius, Stroke::new(1.5, color.gamma_multiply(0.6)));
            }
            let label = ["HP", "LS", "1", "2", "3", "HS", "LP"][i];
            painter.text(
                *p + egui::vec2(0.0, -radius - 8.0),
                Align2::CENTER_CENTER,
                label,
                FontId::proportional(11.0),
                if on { color } else { theme::DIM },
            );
            if active {
                let text = match h {
                    Handle::Pass(p) => p.freq.to_string(),
                    Handle::Band(b) => format!("{}  {}  Q {}", b.freq, b.gain, b.q),
                };
                painter.text(
                    rect.right_top() + egui::vec2(-10.0, 12.0),
                    Align2::RIGHT_CENTER,
                    text,
                    FontId::monospace(12.0),
                    color,
                );
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn input(
        &mut self,
        response: &egui::Response,
        ui: &Ui,
        handles: &[Handle],
        map: &Mapping,
        setter: &ParamSetter,
        hovered: Option<usize>,
        nearest: &dyn Fn(Pos2) -> Option<usize>,
    ) {
        if response.double_clicked() {
            if let Some(i) = hovered {
                let p = handles[i].enabled();
                setter.begin_set_parameter(p);
                setter.set_parameter(p, !p.value());
                setter.end_set_parameter(p);
            }
        }
        if response.drag_started() {
            self.dragging = response.interact_pointer_pos().and_then(nearest);
            if let Some(i) = self.dragging {
                let h = &handles[i];
                if !h.enabled().value() {
                    setter.begin_set_parameter(h.enabled());
                    setter.set_parameter(h.enabled(), true);
                    setter.end_set_parameter(h.enabled());
                }
                setter.begin_set_parameter(h.freq());
                if let Handle::Band(b) = h {
                    setter.begin_set_parameter(&b.gain);
                }
            }
        }
        if let (Some(i), Some(pos)) = (self.dragging, response.interact_pointer_pos()) {
            if response.dragged() {
                let h = &handles[i];
                setter.set_parameter(h.freq(), map.hz_of(pos.x));
                if let Handle::Band(b) = h {
                    let db = map.eq_of_y(pos.y).clamp(-EQ_RANGE_DB, EQ_RANGE_DB);
                    setter.set_parameter(&b.gain, (db * 10.0).round() / 10.0);
                }
            }
        }
        if response.drag_stopped() {
            if let Some(i) = self.dragging.take() {
                let h = &handles[i];
                setter.end_set_parameter(h.freq());
                if let Handle::Band(b) = h {
                    setter.end_set_parameter(&b.gain);
                }
            }
        }
        if let Some(Handle::Band(b)) = hovered.map(|i| &handles[i]) {
            let scroll = ui.input(|i| i.smooth_scroll_delta.y);
            if scroll != 0.0 {
                let q = (b.q.value() * (scroll / 200.0).exp()).clamp(0.1, 10.0);
                setter.begin_set_parameter(&b.q);
                setter.set_parameter(&b.q, q);
                setter.end_set_parameter(&b.q);
            }
        }
    }

    fn grid(&self, painter: &egui::Painter, map: &Mapping) {
        let rect = map.rect;
        let font = FontId::proportional(10.0);
        for hz in freq_axis::GRID_HZ {
            let x = map.x_of(hz);
            painter.line_segment(
                [pos2(x, rect.top()), pos2(x, rect.bottom())],
                Stroke::new(1.0, theme::GRID),
            );
            painter.text(
                pos2(x + 3.0, rect.bottom() - 2.0),
                Align2::LEFT_BOTTOM,
                freq_axis::grid_label(hz),
                font.clone(),
                theme::DIM,
            );
        }
        for db in [-18.0, -12.0, -6.0, 0.0, 6.0, 12.0, 18.0] {
            let y = map.y_of_eq(db);
            let stroke = if db == 0.0 {
                Stroke::new(1.0, theme::DIM.gamma_multiply(0.5))
            } else {
                Stroke::new(1.0, theme::GRID)
            };
            painter.line_segment([pos2(rect.left(), y), pos2(rect.right(), y)], stroke);
            painter.text(
                pos2(rect.left() + 3.0, y - 1.0),
                Align2::LEFT_BOTTOM,
                format!("{db:+}"),
                font.clone(),
                theme::DIM,
            );
        }
    }

    fn spectrum(
        &mut self,
        painter: &egui::Painter,
        map: &Mapping,
        band_db: &[[f32; NUM_BANDS]; 2],
    ) {
        let [left, right] = band_db;
        for (shown, (&l, &r)) in self.display_db.iter_mut().zip(left.iter().zip(right)) {
            let mean = 10.0 * ((10f32.powf(l / 10.0) + 10f32.powf(r / 10.0)) / 2.0).log10();
            // Rise at once, fall at about 30 dB/s.
            *shown = if mean > *shown {
                mean
            } else {
                (*shown - 1.0).max(mean)
            };
        }
        let bottom = map.rect.bottom();
        let mut outline = Vec::with_capacity(NUM_BANDS + 2);
        outline.push(pos2(
            map.x_of(MIN_HZ),
            map.y_of_spectrum(self.display_db[0]),
        ));
        for b in 0..NUM_BANDS {
            outline.push(pos2(
                map.x_of(self.layout.centers_hz[b]),
                map.y_of_spectrum(self.display_db[b]),
            ));
        }
        outline.push(pos2(
            map.x_of(MAX_HZ),
            map.y_of_spectrum(self.display_db[NUM_BANDS - 1]),
        ));
        let fill_color = Color32::from_rgba_unmultiplied(0x4f, 0xc3, 0xf7, 22);
        for pair in outline.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            let quad = vec![a, b, pos2(b.x, bottom), pos2(a.x, bottom)];
            painter.add(Shape::convex_polygon(quad, fill_color, Stroke::NONE));
        }
        painter.add(Shape::line(
            outline,
            Stroke::new(1.0, Color32::from_rgba_unmultiplied(0x9f, 0xd8, 0xf5, 120)),
        ));
    }
}
