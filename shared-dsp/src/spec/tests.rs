use super::*;
use crate::eq::{FilterSlope, Placement};
use crate::master::Dither;
use crate::role::StemRole;

fn check_choice<C: Choice + std::fmt::Debug>() {
    assert_eq!(C::ALL.len(), C::NAMES.len());
    assert_eq!(C::ALL.len(), C::IDS.len());
    assert_eq!(C::ALL.len(), C::KEYS.len());
    for (i, v) in C::ALL.iter().enumerate() {
        assert_eq!(v.index(), i);
        assert_eq!(C::from_index(i), *v);
        assert_eq!(C::parse(C::KEYS[i]), Some(*v), "{v:?}");
        assert_eq!(C::parse(C::NAMES[i]), Some(*v), "{v:?}");
        assert_eq!(C::parse(&C::NAMES[i].to_uppercase()), Some(*v), "{v:?}");
    }
    for (alias, i) in C::ALIASES {
        assert_eq!(C::parse(alias), Some(C::ALL[*i]), "{alias}");
    }
    assert_eq!(C::parse("no such thing"), None);
}

#[test]
fn every_choice_parses_its_keys_names_and_aliases() {
    check_choice::<FilterSlope>();
    check_choice::<Placement>();
    check_choice::<Dither>();
    check_choice::<Target>();
    check_choice::<StemRole>();
    assert_eq!(StemRole::parse("lead-vox"), Some(StemRole::LeadVocal));
    assert_eq!(Target::parse("EBU R128"), Some(Target::EbuR128));
}

fn check_table<S: Clone + Default + PartialEq + std::fmt::Debug + 'static>(table: &[Setting<S>]) {
    let mut keys: Vec<&str> = table.iter().map(|s| s.key.as_str()).collect();
    keys.sort_unstable();
    let n = keys.len();
    keys.dedup();
    assert_eq!(keys.len(), n, "duplicate session keys");
    // Every setting's setter reaches its own field and only it: set a value off the
    // default, read it back, and see that the rest did not move.
    for setting in table {
        let d = S::default();
        let mut s = d.clone();
        let moved = match (setting.get(&d), setting.kind) {
            (Value::Switch(b), _) => Value::Switch(!b),
            (Value::Number(_), Kind::Number(f)) => {
                let (lo, hi) = f.range.bounds();
                Value::Number(lo + 0.37 * (hi - lo))
            }
            (Value::Choice(i), Kind::Choice { keys, .. }) => Value::Choice((i + 1) % keys.len()),
            other => panic!("{}: {other:?}", setting.key),
        };
        setting.set(&mut s, moved);
        assert_eq!(setting.get(&s), moved, "{}", setting.key);
        for other in table.iter().filter(|o| o.key != setting.key) {
            assert_eq!(
                other.get(&s),
                other.get(&d),
                "{} moved {}",
                setting.key,
                other.key
            );
        }
        assert_ne!(s, d, "{}", setting.key);
    }
}

#[test]
fn every_setting_has_one_key_and_feeds_its_own_field() {
    let strip = Strip::table();
    let master = Master::table();
    check_table(&strip);
    check_table(&master);
    let keys: Vec<&str> = strip.iter().map(|s| s.key.as_str()).collect();
    assert_eq!(keys.len(), 42 - 1, "{keys:?}");
    assert!(keys.contains(&"compressor.sc_high_pass"));
    let names: Vec<&str> = master.iter().map(|s| s.name.as_str()).collect();
    assert!(names.contains(&"Glue SC High-Pass"), "{names:?}");
    assert!(names.contains(&"Limiter Lookahead"), "{names:?}");
}

#[test]
fn the_master_resolves_its_ceiling_from_the_target() {
    let mut m = MasterSetup::default();
    assert_eq!(m.resolved(), crate::master::MasterSettings::default());
    m.target = Target::AtscA85;
    assert_eq!(m.target_and_ceiling(), (-24.0, -2.0));
    assert_eq!(m.resolved().limiter.ceiling_db, -2.0);
    m.target = Target::Custom;
    m.custom_target_lufs = -18.0;
    m.custom_ceiling_dbtp = -0.5;
    assert_eq!(m.resolved().limiter.ceiling_db, -0.5);
}
