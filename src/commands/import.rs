//! `galley import ADDR ID`: adopts an existing object into state, as `terraform import`
//! does. The object is read through the provider the resource block's configuration
//! names (a targeted plan with one `import` block for it), and only that instance is
//! written to state: nothing is created, changed or destroyed. The next `plan` shows how
//! the object differs from its configuration.

use std::sync::Arc;

use engine::addr::{Mode, ResourceInstance, Target};
use engine::config::Import;
use engine::walk::{Options, Walk, WalkMode};

use crate::cli::ImportArgs;
use crate::session::{Session, EXIT_ERROR, EXIT_OK};

/// Runs `import`.
pub fn run(s: &Session, args: &ImportArgs) -> i32 {
    let addr: ResourceInstance = match args.addr.parse() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("Error: invalid address {:?}: {e}\n\n  Give a resource instance such as aws_vpc.main or module.net.aws_subnet.private[\"a\"].", args.addr);
            return EXIT_ERROR;
        }
    };
    if addr.resource.mode != Mode::Managed {
        eprintln!("Error: {addr} is a data source: only managed resources can be imported");
        return EXIT_ERROR;
    }
    if !args.flags.targets.is_empty() || !args.flags.replace.is_empty() {
        eprintln!("Error: -target and -replace do not apply to import: it reads only {addr}");
        return EXIT_ERROR;
    }
    if args.id.is_empty() {
        eprintln!("Error: the import id is empty");
        return EXIT_ERROR;
    }
    let Ok(mut backend) = s.backend(args.flags.state.as_deref()) else {
        return EXIT_ERROR;
    };
    let Ok(_lock) = s.lock(backend.as_ref(), "import", &args.flags.lock_timeout) else {
        return EXIT_ERROR;
    };
    let Ok(mut state) = s.load_state(backend.as_ref()) else {
        return EXIT_ERROR;
    };
    if state.instance(&addr).is_some() {
        eprintln!(
            "Error: Resource already managed by galley\n\n  galley is already managing a remote object for {addr}. To import to this address you must first remove the existing object from the state (galley state rm {addr})."
        );
        return EXIT_ERROR;
    }
    let Ok(mut config) = s.load_config() else {
        return EXIT_ERROR;
    };
    let file = s.sources.add("<command line>", args.id.clone());
    config
        .module
        .imports
        .push(Import::literal(&args.addr, &args.id, file));
    let Ok(vars) = s.root_vars(&config, &args.flags) else {
        return EXIT_ERROR;
    };
    let opts = Options {
        refresh: false,
        targets: vec![Target::Instance(addr.clone())],
        replace: Vec::new(),
        parallelism: args.flags.parallelism,
        ..Options::default()
    };
    let walk = match Walk::new(
        Arc::new(config),
        s.factories(),
        vars,
        state.clone(),
        opts,
        WalkMode::Plan,
    ) {
        Ok(w) => w,
        Err(d) => {
            s.report(&d);
            return EXIT_ERROR;
        }
    };
    println!("{addr}: Importing from ID \"{}\"...", args.id);
    let plan = match super::plan::runtime().block_on(walk.plan()) {
        Ok(p) => p,
        Err(d) => {
            s.report(&d);
            return EXIT_ERROR;
        }
    };
    s.report(&plan.diagnostics);
    let seen = plan.prior_state.as_ref();
    let (Some(object), Some(provider)) = (
        seen.and_then(|st| st.instance(&addr)).cloned(),
        seen.and_then(|st| st.resources.get(&addr.abs_resource()))
            .map(|r| r.provider.clone()),
    ) else {
        eprintln!("Error: {addr} was not imported: the plan did not read it (is its resource block's count or for_each giving this instance?)");
        return EXIT_ERROR;
    };
    state.set_instance(&addr, provider, object);
    if let Err(e) = backend.persist(&mut state) {
        eprintln!("Error: cannot write state: {e}\n\n  Nothing was imported.");
        return EXIT_ERROR;
    }
    println!("{addr}: Import prepared!");
    println!("{addr}: Refreshing state... [id={}]", args.id);
    println!("\nImport successful!\n\nThe resources that were imported are shown above. These resources are now in\nyour galley state and will henceforth be managed by galley.");
    EXIT_OK
}
