fn main() -> anyhow::Result<()> { nice_plug_xtask::main() }
