//! Stem Master's editor (egui), the view a mastering engineer reads for hours.
//!
//! The "Master" tab, top to bottom: the header (target, input, learn and its result,
//! latency); the EQ curve over the output spectrum beside the meters column; the EQ's
//! section columns (with each bell's stereo, mid or side placement); the glue compressor,
//! the limiter and the output; and the loudness history along the bottom. The "Stems" tab
//! is the cross-stem view ([`stems`]): the balance of the linked stems, their spectra, who
//! masks whom and what to do about it.
//!
//! `STEM_MASTER_TAB=stems` in the environment opens the editor on the Stems tab (the
//! screenshot script uses it).

use crate::link::MasterLink;
use crate::params::MasterParams;
use crate::Shared;
use egui::{self, Ui};
use nice_plug::context::gui::GuiContext;
use nice_plug::editor::dpi::LogicalSize;
use nice_plug::prelude::*;
use nice_plug_egui::{
    create_egui_editor, EguiEditor, EguiNiceSettings, NiceEguiApp, RepaintNotifier,
};
use shared_dsp::bands::NUM_BANDS;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use stem_plugin_common::eq_view::EqView;
use stem_plugin_common::theme;

mod chain;
mod header;
mod history;
mod meters;
mod stems;

/// The editor type the plugin exports.
pub type MasterEditor = EguiEditor<MasterApp>;

/// Width of the meters column (and of the output panel under it), px.
const METERS_WIDTH: f32 = 250.0;
/// Gap between the editor's rows, px.
const ROW_GAP: f32 = 6.0;
/// The EQ curve's height range, px: it takes what the other rows leave.
const EQ_HEIGHT: (f32, f32) = (150.0, 360.0);
/// The loudness history's least height, px.
const HISTORY_MIN_HEIGHT: f32 = 190.0;

/// Builds the editor.
pub fn create(
    params: Arc<MasterParams>,
    shared: Arc<Shared>,
    link: Arc<MasterLink>,
) -> Option<MasterEditor> {
    let settings = EguiNiceSettings::new().with_resize_hint(
        ResizeHint::resizable().with_min_max_logical_size(
            Some(LogicalSize::new(1180.0, 760.0)),
            Some(LogicalSize::new(2400.0, 1600.0)),
        ),
    );
    create_egui_editor(
        params.editor_state.clone(),
        RepaintNotifier::new(),
        settings,
        MasterApp::new(params, shared, link),
    )
}

/// The editor's tabs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tab {
    /// The master chain, its meters and the loudness history.
    Master,
    /// The cross-stem view.
    Stems,
}

/// The editor's state.
pub struct MasterApp {
    params: Arc<MasterParams>,
    shared: Arc<Shared>,
    /// The Stem link's view and requests.
    link: Arc<MasterLink>,
    context: Option<GuiContext>,
    tab: Tab,
    eq_view: EqView,
    meters: meters::MeterState,
    /// Heights of the EQ columns and of the dynamics row in the last frame, px: the EQ
    /// curve and the history are sized from them before they are drawn.
    columns_height: f32,
    dynamics_height: f32,
    /// Width the EQ columns leave unused out of what they are offered, px (from the last
    /// frames): they are offered that much more.
    columns_slack: f32,
    /// The Stems tab's state.
    stems: stems::StemsTab,
}

impl MasterApp {
    fn new(params: Arc<MasterParams>, shared: Arc<Shared>, link: Arc<MasterLink>) -> Self {
        Self {
            params,
            shared,
            link,
            context: None,
            tab: match std::env::var("STEM_MASTER_TAB").as_deref() {
                Ok("stems") => Tab::Stems,
                _ => Tab::Master,
            },
            eq_view: EqView::default(),
            meters: meters::MeterState::default(),
            columns_height: 130.0,
            dynamics_height: 136.0,
            columns_slack: 0.0,
            stems: stems::StemsTab::default(),
        }
    }
}

impl NiceEguiApp for MasterApp {
    fn build(
        &mut self,
        egui_ctx: egui::Context,
        gui_context: GuiContext,
        _frame: &mut nice_plug_egui::Frame,
    ) -> Result<(), nice_plug_egui::baseview::HandlerError> {
        theme::apply(&egui_ctx);
        self.context = Some(gui_context);
        Ok(())
    }

    fn track_info_changed(&mut self, info: TrackInfo) {
        // The Strips show it in their link status and group picker.
        self.link.set_track_name(info.name());
    }

    fn editor_closed(&mut self) {
        self.context = None;
    }

    fn ui(&mut self, ui: &mut Ui, _frame: &mut nice_plug_egui::Frame) {
        let Some(context) = self.context.clone() else {
            return;
        };
        let setter = context.param_setter();
        ui.ctx()
            .request_repaint_after(std::time::Duration::from_millis(33));
        egui::CentralPanel::default()
            .frame(egui::Frame::new().fill(theme::BACKGROUND).inner_margin(10))
            .show(ui, |ui| {
                header::title_row(ui, &mut self.tab, &self.shared);
                match self.tab {
                    Tab::Master => self.master_tab(ui, &setter),
                    Tab::Stems => self.stems.show(ui, &self.link),
                }
            });
    }
}

impl MasterApp {
    fn master_tab(&mut self, ui: &mut Ui, setter: &ParamSetter) {
        let params = &self.params;
        self.meters.update(params, &self.shared);
        header::target_row(ui, params, &self.shared, setter);
        ui.add_space(ROW_GAP);
        let full = ui.available_size();
        let gap = ui.spacing().item_spacing;
        let eq_height = (full.y
            - self.columns_height
            - self.dynamics_height
            - HISTORY_MIN_HEIGHT
            - 3.0 * (ROW_GAP + gap.y))
            .clamp(EQ_HEIGHT.0, EQ_HEIGHT.1);
        let top_height = eq_height + ROW_GAP + gap.y + self.columns_height;
        ui.horizontal_top(|ui| {
            ui.vertical(|ui| {
                ui.set_width(full.x - METERS_WIDTH - gap.x);
                let band_db: [[f32; NUM_BANDS]; 2] = std::array::from_fn(|ch| {
                    std::array::from_fn(|b| self.shared.band_db[ch][b].load(Ordering::Relaxed))
                });
                self.eq_view.show(
                    ui,
                    &params.eq_sections(),
                    &band_db,
                    self.shared.sample_rate_hz.load(Ordering::Relaxed),
                    setter,
                    eq_height,
                );
                ui.add_space(ROW_GAP);
                let top = ui.cursor().top();
                let width = ui.available_width();
                // The columns leave a few px of their width unused: offer them that much
                // more (found from the last frame) so they end flush with the curve above.
                let offered = egui::Rect::from_min_size(
                    ui.cursor().min,
                    egui::vec2(width + self.columns_slack, ui.available_height()),
                );
                let used = ui
                    .scope_builder(egui::UiBuilder::new().max_rect(offered), |ui| {
                        chain::eq_columns(ui, params, setter)
                    })
                    .response
                    .rect
                    .width();
                self.columns_slack = (self.columns_slack + width - used).clamp(0.0, 40.0);
                self.columns_height = ui.cursor().top() - top - gap.y;
            });
            ui.vertical(|ui| {
                ui.set_width(METERS_WIDTH);
                self.meters
                    .show(ui, params, &self.shared, METERS_WIDTH, top_height);
            });
        });
        ui.add_space(ROW_GAP);
        self.dynamics_height = chain::dynamics_row(
            ui,
            params,
            self.meters.reductions_db(),
            setter,
            METERS_WIDTH,
        );
        ui.add_space(ROW_GAP);
        let (target_lufs, _) = params.target();
        history::show(ui, &self.shared, target_lufs);
    }
}
