//! What `session start` and `app run` share: from flags to a resolved,
//! rendered cluster, and then either printing it (`--dry-run=client`) or
//! creating it.

use crate::cli::GlobalArgs;
use crate::cli::flink::{DryRun, FlinkConfigArgs};
use crate::cluster::access::{self, WebAccess};
use crate::cluster::changes::ObjectRef;
use crate::cluster::kubeconfig::KubeconfigChoice;
use crate::cluster::{cleanup, client, deploy};
use crate::commands::target::ClusterTarget;
use crate::config::loader::{self, ConfSource};
use crate::config::options::EXECUTION_ATTACHED;
use crate::environment::Environment;
use crate::error::{Error, Result};
use crate::flink::local_files;
use crate::flink::program::Program;
use crate::flink::release_choice::{self, ReleaseChoice, ReleaseRule};
use crate::flink::spec::ExposedType;
use crate::flink::spec::{self, ClusterRequest, ClusterSpec, DeploymentMode};
use crate::flink::version::FlinkVersion;
use crate::output::objects::{self, Objects};
use crate::output::{Format, Output, Printable, printer};
use crate::render::services::rest_service_name;
use crate::render::{self, RenderedCluster};

use k8s_openapi::api::apps::v1::Deployment;
use serde_json::{Value, json};

/// A cluster ready to be printed or created.
#[derive(Debug)]
pub struct DeployOptions {
    pub spec: ClusterSpec,
    pub rendered: RenderedCluster,
    pub dry_run: Option<DryRun>,
    pub format: Option<Format>,
    pub kubeconfig: KubeconfigChoice,
    /// `--wait`: until REST answers (application: until the job runs).
    pub wait: bool,
    pub timeout: std::time::Duration,
    /// Session only: stay attached with a console after starting.
    pub attached: bool,
    /// stdin is a terminal (the attached console shows a prompt).
    pub interactive: bool,
    /// Warnings found while completing, printed when the verb runs.
    pub warnings: Vec<String>,
    /// `-v`: where the configuration, namespace and kubeconfig came from.
    pub notes: Vec<String>,
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
    let mut warnings = Vec::new();
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
    let (choice, conf_dir) = choose_release(flink, &dynamic, source, env)?;
    let version = choice.version;
    warnings.extend(choice.warning.clone());
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
    let kubeconfig = super::target::kubeconfig(global, &conf, env);
    let namespace_given =
        global.namespace.is_some() || conf.is_set(&crate::config::options::NAMESPACE);
    if !namespace_given {
        request.context_namespace = match kubeconfig.default_namespace() {
            Ok(namespace) => namespace,
            Err(e) if dry_run.is_some() => {
                warnings.push(format!("{e}; the dry run uses namespace default"));
                None
            }
            Err(e) => return Err(Error::Usage(e)),
        };
    }
    let release = request.version.traits().map_err(Error::Usage)?;
    let local = local_files::read(&conf, &env.client, release).map_err(Error::Usage)?;
    let source = request.conf_dir.source.clone();
    let spec = spec::resolve(&request, conf, local)?;
    let notes = if global.verbosity() > 0 {
        explain(&spec, &source, &kubeconfig, &choice.rule)
    } else {
        Vec::new()
    };
    let rendered = render::render(&spec).map_err(Error::Failed)?;
    warnings.extend(spec.warnings.iter().cloned());
    Ok(DeployOptions {
        spec,
        rendered,
        dry_run,
        format: global.format(),
        kubeconfig,
        wait: false,
        timeout: std::time::Duration::from_secs(300),
        attached: false,
        interactive: env.terminal.stdin,
        warnings,
        notes,
    })
}

/// The release (flag, image tag, distribution, default) and the conf dir read
/// as that release reads it. The image may be set in the conf dir, whose file
/// depends on the release: the conf dir is read once as the flag or default
/// release would, and again when its image names a release that reads
/// another file.
fn choose_release(
    flink: &FlinkConfigArgs,
    dynamic: &[(String, String)],
    source: ConfSource,
    env: &Environment,
) -> Result<(ReleaseChoice, loader::ConfDir)> {
    let image_key = crate::config::options::CONTAINER_IMAGE.key;
    let image_flag = dynamic
        .iter()
        .rev()
        .find(|(k, _)| k == image_key)
        .map(|(_, v)| v.clone());
    let distribution = release_choice::find_distribution(source.dir(), env.flink_home.as_deref());
    let load = |version: FlinkVersion| -> Result<loader::ConfDir> {
        let release = version.traits().map_err(Error::Usage)?;
        let line = release.line();
        let rules = loader::ReadRules {
            release: &line,
            files: release.config_files,
            log_file_names: release.log_file_names,
        };
        Ok(loader::load(source.clone(), rules)?)
    };
    let first = release_choice::choose(
        flink.flink_version.as_deref(),
        image_flag.as_deref(),
        distribution.as_deref(),
    )
    .map_err(Error::Usage)?;
    let conf_dir = load(first.version)?;
    let image = image_flag.or_else(|| {
        conf_dir
            .base
            .explicit_string(&crate::config::options::CONTAINER_IMAGE)
    });
    let choice = release_choice::choose(
        flink.flink_version.as_deref(),
        image.as_deref(),
        distribution.as_deref(),
    )
    .map_err(Error::Usage)?;
    let same_files = |a: FlinkVersion, b: FlinkVersion| {
        a.traits().map(|r| (r.config_files, r.log_file_names))
            == b.traits().map(|r| (r.config_files, r.log_file_names))
    };
    if same_files(choice.version, first.version) {
        return Ok((choice, conf_dir));
    }
    let conf_dir = load(choice.version)?;
    Ok((choice, conf_dir))
}

/// `-v`: where the release, the configuration, the namespace and the kubeconfig came from.
fn explain(
    spec: &ClusterSpec,
    source: &ConfSource,
    kubeconfig: &KubeconfigChoice,
    rule: &ReleaseRule,
) -> Vec<String> {
    let conf = match source {
        ConfSource::Flag(dir) => format!("{} (--flink-conf-dir)", dir.display()),
        ConfSource::ConfDirEnv(dir) => format!("{} ($FLINK_CONF_DIR)", dir.display()),
        ConfSource::FlinkHome(dir) => format!("{} ($FLINK_HOME/conf)", dir.display()),
        ConfSource::BuiltIn => "built-in defaults (no conf dir found)".to_string(),
        ConfSource::RunningCluster(id) => format!("the running configuration of cluster {id}"),
    };
    let mut notes = vec![
        format!("Flink conf dir: {conf}"),
        format!(
            "Flink {} (from {rule}), shipping {}, cluster {} in namespace {}",
            spec.version, spec.config_file_name, spec.cluster_id, spec.namespace
        ),
    ];
    let path = kubeconfig
        .path
        .as_ref()
        .map_or("$KUBECONFIG or ~/.kube/config".to_string(), |p| {
            p.display().to_string()
        });
    let context = kubeconfig.context.as_deref().unwrap_or("current context");
    notes.push(format!("kubeconfig: {path}, {context}"));
    notes
}

impl DeployOptions {
    /// `-o` applies to what this run prints: the objects of a dry run, or
    /// the created cluster.
    pub fn validate(&self) -> Result<()> {
        let verb = match self.spec.mode {
            DeploymentMode::Session => "session start",
            DeploymentMode::Application => "app run",
        };
        match self.dry_run {
            Some(_) => printer::check::<Objects>(&format!("{verb} --dry-run"), self.format),
            None => printer::check::<Created>(verb, self.format),
        }
        .map_err(Error::Usage)
    }

    /// Print the warnings and either the objects (`--dry-run`) or create them.
    pub fn run(self, output: &Output) -> Result<()> {
        for note in &self.notes {
            output.note(note);
        }
        output.warn_all(&self.warnings);
        if self.spec.cluster_id_generated {
            output.note(&format!(
                "Generated cluster id {} (choose one with --cluster-id)",
                self.spec.cluster_id
            ));
        }
        match self.dry_run {
            Some(DryRun::Client) => self.print_objects(output),
            None => super::block_on(self.create_live(output)),
        }
    }

    fn print_objects(&self, output: &Output) -> Result<()> {
        // JSON has no comments: the owner note goes to stderr instead.
        if self.format == Some(Format::Json) {
            output.note(&format!(
                "Note: {}.",
                objects::owner_note(&self.spec.cluster_id)
            ));
        }
        let printed = Objects::in_namespace(
            objects::cluster_documents(&self.rendered),
            &self.spec.namespace,
        );
        Ok(output.show(&printed, self.format)?)
    }

    /// Create the cluster and say how to reach it.
    async fn create_live(&self, output: &Output) -> Result<()> {
        let options = self;
        let connection = client::connect(&options.kubeconfig).await?;
        let spec = &options.spec;
        let (id, ns) = (&spec.cluster_id, &spec.namespace);
        if spec.high_availability {
            let earlier = cleanup::earlier_ha_config_maps(&connection.client, ns, id).await;
            if earlier > 0 {
                output.warn(&format!(
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
            connection
                .suggest
                .flink(&format!("{} wait {id} -n {ns}", spec.mode.command_group())),
            connection
                .suggest
                .flink(&format!("cleanup {id} -n {ns} --yes")),
        );
        super::exit_on_interrupt(output, interrupted);
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
        let rest = target.rest();
        if options.wait {
            super::wait::until_ready(&target, spec.mode, &rest, options.timeout, output).await?;
            if let (WebAccess::Pending(_), ExposedType::LoadBalancer) = (&access, spec.exposed_type)
            {
                access = access::wait_for_load_balancer(&connection, spec, options.timeout).await;
            }
        }
        output.show(
            &Created {
                spec,
                access: &access,
            },
            options.format,
        )?;
        if attached {
            super::attach::console(&target, spec.mode, options.interactive, output).await?;
        }
        Ok(())
    }
}

/// A created cluster, as `session start` and `app run` report it.
pub struct Created<'a> {
    pub spec: &'a ClusterSpec,
    pub access: &'a WebAccess,
}

impl Printable for Created<'_> {
    const FORMATS: &'static [Format] = &[Format::Json, Format::Yaml, Format::Name];

    fn text(&self, _wide: bool) -> String {
        format!(
            "Flink {} cluster {} created in namespace {}.\n{}\n",
            self.spec.mode.word(),
            self.spec.cluster_id,
            self.spec.namespace,
            self.access.describe()
        )
    }

    fn document(&self) -> Value {
        json!({
            "clusterId": self.spec.cluster_id,
            "namespace": self.spec.namespace,
            "mode": self.spec.mode.word(),
            "restService": rest_service_name(&self.spec.cluster_id),
            "webUrl": self.access.url(),
            "webAccess": self.access.describe(),
        })
    }

    fn names(&self) -> Vec<String> {
        vec![ObjectRef::of::<Deployment>(&self.spec.cluster_id).to_string()]
    }
}
