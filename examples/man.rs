//! `make man`: man pages generated from the same definitions as the
//! command line (clap_mangen): man/pbstat.1 and man/pbstat-<command>.1.

fn main() -> std::io::Result<()> {
    let out = std::path::PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "man".into()));
    std::fs::create_dir_all(&out)?;
    let cmd = pbstat::cli::command(pbstat::lang::Lang::En);
    let mut buf = Vec::new();
    clap_mangen::Man::new(cmd.clone()).render(&mut buf)?;
    std::fs::write(out.join("pbstat.1"), buf)?;
    for sub in cmd.get_subcommands() {
        let name = format!("pbstat-{}", sub.get_name());
        let mut buf = Vec::new();
        // clap keeps command names as static strings; this program runs once.
        let static_name: &'static str = Box::leak(name.clone().into_boxed_str());
        clap_mangen::Man::new(sub.clone().name(static_name)).render(&mut buf)?;
        std::fs::write(out.join(format!("{name}.1")), buf)?;
    }
    println!("wrote {}", out.display());
    Ok(())
}
