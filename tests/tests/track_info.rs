//! What a Strip publishes about itself when hosts say little: a track colour with zero
//! alpha (how VST3 hosts such as Ardour send "no colour", and CLAP's transparent colour) is no
//! colour, so the Master draws the stem in its role's colour rather than black; and a Strip
//! the host does not name (CLAP hosts without track-info, such as Qtractor) and the user did
//! not name goes by its role and a number ("Music 2"), unique among the Strips it sees,
//! saved with its state and kept on reload; a name that comes with a state loaded after
//! activation (as Qtractor loads it) is published. Read from outside, as the Master sees it, through
//! `stems link status --json` on the test process' private link segment.

use serde_json::Value;
use std::time::{Duration, Instant};
use stem_tests::link::{instances, link_status, test_link_dir};
use stem_tests::{strip, strip_inactive, Config, Plugin};

const BLOCK: usize = 480;

/// Runs every plugin in real time for `seconds` (the link thread names a Strip within one
/// of its 250 ms ticks; snapshots go out 40 times a second of audio).
fn run_for(plugins: &mut [&mut Plugin], seconds: f64) {
    let start = Instant::now();
    let silence = vec![vec![0.0f32; BLOCK]; 2];
    while start.elapsed() < Duration::from_secs_f64(seconds) {
        for p in plugins.iter_mut() {
            p.process(&silence, BLOCK);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The published (name, colour) of every Strip on the link.
fn published() -> Vec<(String, Value)> {
    instances(&link_status(test_link_dir()))
        .iter()
        .map(|i| {
            (
                i["name"].as_str().unwrap_or("").to_owned(),
                i["color"].clone(),
            )
        })
        .collect()
}

fn with_role(role: &str, config: Config) -> Plugin {
    let mut p = strip(config);
    p.set_text("role", role);
    p
}

#[test]
fn a_transparent_track_colour_is_no_colour() {
    let config = |name: &str, rgba| Config {
        track_name: Some(name.to_owned()),
        track_color: Some(rgba),
        ..Config::stereo(48_000.0, BLOCK as u32)
    };
    let mut clear = strip(config("Colourless Bus", [0, 0, 0, 0]));
    let mut red = strip(config("Red Bus", [0xc0, 0x39, 0x2b, 0xff]));
    run_for(&mut [&mut clear, &mut red], 0.8);
    let shown = published();
    let colour_of = |name: &str| {
        shown
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("{name} not on the link: {shown:?}"))
            .1
            .clone()
    };
    assert_eq!(colour_of("Colourless Bus"), Value::Null, "{shown:?}");
    assert_eq!(colour_of("Red Bus"), Value::from("#c0392b"), "{shown:?}");
}

#[test]
fn an_unnamed_strip_goes_by_its_role_and_a_number_kept_with_its_state() {
    let config = || Config::stereo(48_000.0, BLOCK as u32);
    let mut first = with_role("Music", config());
    run_for(&mut [&mut first], 0.8);
    let mut second = with_role("Music", config());
    let mut bass = with_role("Bass", config());
    run_for(&mut [&mut first, &mut second, &mut bass], 0.8);
    let names = |shown: Vec<(String, Value)>| {
        let mut n: Vec<String> = shown.into_iter().map(|(n, _)| n).collect();
        n.retain(|n| n.starts_with("Music") || n.starts_with("Bass"));
        n.sort();
        n
    };
    assert_eq!(names(published()), ["Bass 1", "Music 1", "Music 2"]);

    // The number is saved: the second Music Strip, reopened after both Music Strips went,
    // is "Music 2" again, not the lowest free number of the moment ("Music 1").
    let state = second.state_json();
    assert_eq!(state["fields"]["auto-number"], "2", "{state}");
    drop(first);
    drop(second);
    let mut reopened = strip_inactive(config());
    reopened.load_state_json(&state);
    reopened.activate();
    run_for(&mut [&mut bass, &mut reopened], 0.8);
    assert_eq!(names(published()), ["Bass 1", "Music 2"]);

    // A role change renames it (one of the two Bass Strips moves to the next number).
    reopened.set_text("role", "Bass");
    run_for(&mut [&mut bass, &mut reopened], 1.0);
    assert_eq!(names(published()), ["Bass 1", "Bass 2"]);
}

#[test]
fn a_name_loaded_with_the_state_after_activation_is_published() {
    let mut source = strip(Config {
        track_name: Some("Choir Bus".to_owned()),
        ..Config::stereo(48_000.0, BLOCK as u32)
    });
    source.set_text("role", "Backing Vocals");
    source.process(&vec![vec![0.0; BLOCK]; 2], BLOCK);
    let state = source.state_json();
    drop(source);
    // Activated first, then the state: Qtractor's order on a session reload.
    let mut reloaded = strip(Config::stereo(48_000.0, BLOCK as u32));
    reloaded.load_state_json(&state);
    run_for(&mut [&mut reloaded], 0.8);
    let shown = published();
    assert!(
        shown.iter().any(|(n, _)| n == "Choir Bus"),
        "the saved name is not on the link: {shown:?}"
    );
    assert_eq!(reloaded.text("role"), "Backing Vocals");
}
