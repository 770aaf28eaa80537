//! `sparkrtc simulator`: the offline SparkRTC served on loopback, with the
//! flags of the `sparkrtc-simulator` binary (the library's `ServeArgs`:
//! fault rules, a virtual clock, the control plane; the secret key from the
//! environment or a file, never a flag value).

use std::sync::mpsc;

use sparkrtc::simulator::ServeArgs;

use crate::failure::Failure;
use crate::output::Out;

pub(crate) fn serve(args: &ServeArgs) -> Result<(), Failure> {
    // A bad flag is bad usage; a port that cannot be had is not.
    args.config().map_err(Failure::usage)?;
    let (_simulator, server, lines) = args.serve().map_err(Failure::other)?;
    let (tx, rx) = mpsc::channel();
    ctrlc::set_handler(move || {
        let _ = tx.send(());
    })
    .map_err(|e| Failure::other(format!("cannot handle Ctrl-C: {e}")))?;
    Out::new().write(&format!("{}\nStop with Ctrl-C.\n", lines.join("\n")))?;
    let _ = rx.recv();
    server.shutdown();
    eprintln!("sparkrtc: simulator stopped");
    Ok(())
}
