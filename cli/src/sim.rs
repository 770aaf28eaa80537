//! `sparkrtc simulator`: the offline SparkRTC served on loopback, with the
//! flags of the `sparkrtc-simulator` binary (the secret key from the
//! environment or a file, never a flag value).

use std::sync::mpsc;

use sparkrtc::simulator::{
    Simulator, SimulatorConfig, DEFAULT_ACCESS_KEY, DEFAULT_PROJECT_ID, DEFAULT_SECRET_KEY,
};

use crate::args::SimulatorArgs;
use crate::config::{read_secret_env, read_secret_file};
use crate::failure::Failure;
use crate::output::Out;

pub(crate) fn serve(args: &SimulatorArgs) -> Result<(), Failure> {
    let (ak, sk, sk_shown) = match (&args.ak, &args.sk_env, &args.sk_file) {
        (Some(ak), Some(var), _) => (
            ak.clone(),
            read_secret_env(var, "secret key")?,
            format!("(the value of {var})"),
        ),
        (Some(ak), None, Some(file)) => (
            ak.clone(),
            read_secret_file(file, "secret key")?,
            format!("(the contents of {})", file.display()),
        ),
        (Some(_), None, None) => {
            return Err(Failure::usage("--ak needs --sk-env VAR or --sk-file FILE"))
        }
        // The simulator's own pair is public: it is printed.
        (None, _, _) => (
            DEFAULT_ACCESS_KEY.to_owned(),
            DEFAULT_SECRET_KEY.into(),
            DEFAULT_SECRET_KEY.to_owned(),
        ),
    };
    let project_id = args
        .project_id
        .clone()
        .unwrap_or_else(|| DEFAULT_PROJECT_ID.to_owned());
    let config = SimulatorConfig::default()
        .with_credential(ak.clone(), sk)
        .with_project_id(project_id.clone())
        .with_seed(args.seed)
        .with_rate_limits(!args.no_rate_limits);
    let simulator = Simulator::new(config);
    let server = simulator
        .serve((args.host.as_str(), args.port))
        .map_err(|e| {
            Failure::other(format!("cannot listen on {}:{}: {e}", args.host, args.port))
        })?;
    let (tx, rx) = mpsc::channel();
    ctrlc::set_handler(move || {
        let _ = tx.send(());
    })
    .map_err(|e| Failure::other(format!("cannot handle Ctrl-C: {e}")))?;
    Out::new().write(&format!(
        "SparkRTC simulator listening on {url}\n  SPARKRTC_ENDPOINT={url}\n  HUAWEICLOUD_SDK_AK={ak}\n  \
         HUAWEICLOUD_SDK_SK={sk_shown}\n  HUAWEICLOUD_SDK_PROJECT_ID={project_id}\n  seed {}, rate limits {}\n\
         Stop with Ctrl-C.\n",
        args.seed,
        if args.no_rate_limits { "off" } else { "on" },
        url = server.url(),
    ))?;
    let _ = rx.recv();
    server.shutdown();
    eprintln!("sparkrtc: simulator stopped");
    Ok(())
}
