//! What `session start` and `app run` share: from flags to a resolved,
//! rendered cluster, and then either printing it (`--dry-run=client`) or
//! creating it.

use crate::cli::flink::{DryRun, FlinkConfigArgs};
use crate::cli::{GlobalArgs, OutputFormat};
use crate::cluster::access::{self, WebAccess};
use crate::cluster::kubeconfig::KubeconfigChoice;
use crate::cluster::{cleanup, client, deploy};
use crate::commands::target::ClusterTarget;
use crate::config::loader::{self, ConfSource};
use crate::config::options::EXECUTION_ATTACHED;
use crate::error::{Error, Result};
use crate::flink::local_files::{self, ClientEnvironment};
use crate::flink::program::Program;
use crate::flink::spec::ExposedType;
use crate::flink::spec::{self, ClusterRequest, ClusterSpec, DeploymentMode};
use crate::flink::version::FlinkVersion;
use crate::output::{objects, style};
use crate::render::services::rest_service_name;
use crate::render::{self, RenderedCluster};
use crate::rest::{FlinkRest, Transport};

/// A cluster ready to be printed or created.
#[derive(Debug)]
pub struct DeployOptions {
    pub spec: ClusterSpec,
    pub rendered: RenderedCluster,
    pub dry_run: Option<DryRun>,
    pub output: Option<OutputFormat>,
    pub kubeconfig: KubeconfigChoice,
    /// `--wait`: until REST answers (application: until the job runs).
    pub wait: bool,
    pub timeout: std::time::Duration,
    /// Session only: stay attached with a console after starting.
    pub attached: bool,
}

/// The environment variables the configuration layer consults.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    pub flink_conf_dir: Option<String>,
    pub flink_home: Option<String>,
    pub client: ClientEnvironment,
}

impl Environment {
    /// The variables as this process sees them.
    pub fn from_process() -> Environment {
        Environment {
            flink_conf_dir: std::env::var("FLINK_CONF_DIR").ok(),
            flink_home: std::env::var("FLINK_HOME").ok(),
            client: ClientEnvironment::from_process(),
        }
    }
}

/// Build the cluster from flags: configuration, identity, local files,
/// validation and rendering — everything that needs no API server.
pub fn complete(
    global: &GlobalArgs,
    flink: &FlinkConfigArgs,
    mode: DeploymentMode,
    cluster_id: Option<String>,
    program: Option<Program>,
    dry_run: Option<DryRun>,
    env: &Environment,
) -> Result<DeployOptions> {
    if dry_run.is_some() {
        objects::check_dry_run_format(global.output).map_err(Error::Usage)?;
    }
    let version: FlinkVersion = flink.flink_version.parse().map_err(Error::Usage)?;
    let release = version.traits().map_err(Error::Usage)?;
    let dynamic = flink
        .dynamic
        .iter()
        .map(|raw| loader::parse_dynamic_option(raw))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let source = ConfSource::locate(
        flink.flink_conf_dir.as_deref(),
        env.flink_conf_dir.as_deref(),
        env.flink_home.as_deref(),
    );
    let conf_dir = loader::load(source, release.log_file_names)?;
    let mut request = ClusterRequest {
        mode,
        version,
        conf_dir,
        dynamic,
        cluster_id,
        namespace_flag: global.namespace.clone(),
        context_namespace: None,
        program,
    };
    let conf = spec::effective_configuration(&request);
    let kubeconfig = KubeconfigChoice::choose(
        global.kubeconfig.as_deref(),
        global.context.as_deref(),
        &conf,
    );
    let namespace_given =
        global.namespace.is_some() || conf.is_set(&crate::config::options::NAMESPACE);
    if !namespace_given {
        request.context_namespace = match kubeconfig.default_namespace() {
            Ok(namespace) => namespace,
            Err(e) if dry_run.is_some() => {
                style::print_warning(&format!("{e}; the dry run uses namespace default"));
                None
            }
            Err(e) => return Err(Error::Usage(e)),
        };
    }
    let local = local_files::read(&conf, &env.client).map_err(Error::Usage)?;
    let source = request.conf_dir.source.clone();
    let spec = spec::resolve(&request, conf, local)?;
    if global.verbose > 0 {
        explain(&spec, &source, &kubeconfig);
    }
    let rendered = render::render(&spec).map_err(Error::Failed)?;
    Ok(DeployOptions {
        spec,
        rendered,
        dry_run,
        output: global.output,
        kubeconfig,
        wait: false,
        timeout: std::time::Duration::from_secs(300),
        attached: false,
    })
}

/// `-v`: where the configuration, the namespace and the kubeconfig came from.
fn explain(spec: &ClusterSpec, source: &ConfSource, kubeconfig: &KubeconfigChoice) {
    let conf = match source {
        ConfSource::Flag(dir) => format!("{} (--flink-conf-dir)", dir.display()),
        ConfSource::ConfDirEnv(dir) => format!("{} ($FLINK_CONF_DIR)", dir.display()),
        ConfSource::FlinkHome(dir) => format!("{} ($FLINK_HOME/conf)", dir.display()),
        ConfSource::BuiltIn => "built-in defaults (no conf dir found)".to_string(),
    };
    style::print_note(&format!("Flink conf dir: {conf}"));
    style::print_note(&format!(
        "Flink {}, cluster {} in namespace {}",
        spec.version, spec.cluster_id, spec.namespace
    ));
    let path = kubeconfig
        .path
        .as_ref()
        .map_or("$KUBECONFIG or ~/.kube/config".to_string(), |p| {
            p.display().to_string()
        });
    let context = kubeconfig.context.as_deref().unwrap_or("current context");
    style::print_note(&format!("kubeconfig: {path}, {context}"));
}

/// Print the warnings and, for `--dry-run`, the objects.
pub fn run(options: DeployOptions) -> Result<()> {
    for warning in &options.spec.warnings {
        style::print_warning(warning);
    }
    if options.spec.cluster_id_generated {
        style::print_note(&format!(
            "Generated cluster id {} (choose one with --cluster-id)",
            options.spec.cluster_id
        ));
    }
    match options.dry_run {
        Some(DryRun::Client) => print_objects(&options),
        None => super::block_on(create_live(&options)),
    }
}

/// Create the cluster and say how to reach it.
async fn create_live(options: &DeployOptions) -> Result<()> {
    let connection = client::connect(&options.kubeconfig).await?;
    let spec = &options.spec;
    let (id, ns) = (&spec.cluster_id, &spec.namespace);
    if spec.high_availability {
        let earlier = cleanup::earlier_ha_config_maps(&connection.client, ns, id).await;
        if earlier > 0 {
            style::print_warning(&format!(
                "{earlier} HA ConfigMaps of an earlier cluster {id} are in namespace {ns}: the new cluster recovers that cluster's jobs from them; to start fresh, run `{}` first",
                connection.suggest.flink(&format!("cleanup {id} -n {ns}")),
            ));
        }
    }
    let created = deploy::create(&connection, ns, &options.rendered).await?;
    // Creation listened for Ctrl-C (to roll back); from here on it should
    // simply end the command again, leaving the cluster running.
    let interrupted = format!(
        "interrupted: Flink cluster {id} was created in namespace {ns} and keeps starting (nothing is rolled back once creation succeeded): wait for it with `{}`, or remove it with `{}`",
        connection.suggest.flink(&format!(
            "{} wait {id} -n {ns}",
            crate::cluster::wait::command_group(spec.mode)
        )),
        connection
            .suggest
            .flink(&format!("cleanup {id} -n {ns} --yes")),
    );
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!();
            style::print_warning(&interrupted);
            std::process::exit(130);
        }
    });
    let rest_name = rest_service_name(&spec.cluster_id);
    let rest = created
        .services
        .iter()
        .find(|s| s.metadata.name.as_deref() == Some(rest_name.as_str()));
    let mut access = access::web_access(&connection, spec, rest).await;
    let attached = options.attached
        || (spec.mode == DeploymentMode::Session
            && spec
                .shipped_config
                .bool(&EXECUTION_ATTACHED)
                .unwrap_or(false));
    let target = ClusterTarget {
        cluster_id: spec.cluster_id.clone(),
        namespace: spec.namespace.clone(),
        connection: connection.clone(),
    };
    let rest = FlinkRest::new(Transport::services_proxy(
        connection.rest_client.clone(),
        &spec.namespace,
        &spec.cluster_id,
    ));
    if options.wait {
        super::wait::until_ready(&target, spec.mode, &rest, options.timeout).await?;
        if let (WebAccess::Pending(_), ExposedType::LoadBalancer) = (&access, spec.exposed_type) {
            access = access::wait_for_load_balancer(&connection, spec, options.timeout).await;
        }
    }
    print_created(spec, &access, options.output)?;
    if attached {
        super::attach::console(&target, spec.mode).await?;
    }
    Ok(())
}

/// `session` or `application`, as messages name a cluster's mode.
pub fn mode_word(mode: DeploymentMode) -> &'static str {
    match mode {
        DeploymentMode::Session => "session",
        DeploymentMode::Application => "application",
    }
}

fn print_created(
    spec: &ClusterSpec,
    access: &WebAccess,
    output: Option<OutputFormat>,
) -> Result<()> {
    let summary = serde_json::json!({
        "clusterId": spec.cluster_id,
        "namespace": spec.namespace,
        "mode": mode_word(spec.mode),
        "restService": rest_service_name(&spec.cluster_id),
        "webUrl": access.url(),
        "webAccess": access.describe(),
    });
    let text = match output {
        Some(OutputFormat::Json) => {
            serde_json::to_string_pretty(&summary).map_err(|e| Error::Failed(e.to_string()))?
        }
        Some(OutputFormat::Yaml) => {
            serde_saphyr::to_string(&summary).map_err(|e| Error::Failed(e.to_string()))?
        }
        Some(OutputFormat::Name) => format!("deployment.apps/{}", spec.cluster_id),
        _ => format!(
            "Flink {} cluster {} created in namespace {}.\n{}",
            mode_word(spec.mode),
            spec.cluster_id,
            spec.namespace,
            access.describe()
        ),
    };
    crate::output::write_stdout(&format!("{}\n", text.trim_end()))
        .map_err(|e| Error::Failed(format!("cannot write to stdout: {e}")))
}

fn print_objects(options: &DeployOptions) -> Result<()> {
    if options.output == Some(OutputFormat::Json) {
        style::print_note(&format!(
            "Note: {}.",
            objects::owner_note(&options.spec.cluster_id)
        ));
    }
    let documents = objects::cluster_documents(&options.rendered).map_err(Error::Failed)?;
    let text = objects::render(&documents, &options.spec.namespace, options.output)
        .map_err(Error::Failed)?;
    crate::output::write_stdout(&format!("{}\n", text.trim_end()))
        .map_err(|e| Error::Failed(format!("cannot write the objects: {e}")))
}
