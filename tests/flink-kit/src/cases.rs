//! The option sets every release's goldens are recorded for (`record-goldens`) and our rendering
//! is compared on (`tests/golden_parity.rs`): one list, so a new case is recorded and checked
//! for every release at once.
//!
//! Paths in the arguments are relative to the repository root (the recorder runs Flink's
//! client there and the tests run there), so the recorded objects hold no machine's paths.

use crate::golden::Mode;

/// One option set.
#[derive(Debug, Clone, Copy)]
pub struct Case {
    /// Folder name under `tests/golden/flink-<release>/`.
    pub name: &'static str,
    pub mode: Mode,
    /// Flink-style arguments: `-D…`, then for applications `-c`, `-p`, the jar and its args.
    pub args: &'static [&'static str],
    /// A conf dir of the repository to use instead of the release's stock one.
    pub conf: Option<&'static str>,
    /// The oldest release (`major.minor`) the case applies to.
    pub since: (u32, u32),
}

const fn session(name: &'static str, args: &'static [&'static str]) -> Case {
    Case {
        name,
        mode: Mode::Session,
        args,
        conf: None,
        since: (1, 12),
    }
}

const fn application(name: &'static str, args: &'static [&'static str]) -> Case {
    Case {
        name,
        mode: Mode::Application,
        args,
        conf: None,
        since: (1, 12),
    }
}

/// Every recorded case. The cluster id is the case's name.
pub const CASES: &[Case] = &[
    session("session-default", &[]),
    Case {
        name: "both-config-files",
        mode: Mode::Session,
        args: &[],
        conf: Some("tests/golden/templates/both-config-files"),
        since: (1, 12),
    },
    Case {
        name: "config-yaml-only",
        mode: Mode::Session,
        args: &[],
        conf: Some("tests/golden/templates/config-yaml-only"),
        since: (1, 19),
    },
    // 1.16 knows no `high-availability.type` (1.17 renamed `high-availability`): its client
    // refuses the standby JobManager ("High availability should be enabled …").
    Case {
        since: (1, 17),
        ..session(
            "session-ha",
            &[
                "-Dhigh-availability.type=kubernetes",
                "-Dhigh-availability.storageDir=s3://flink/recovery",
                "-Dkubernetes.jobmanager.replicas=2",
            ],
        )
    },
    session(
        "session-nodeport-sa",
        &[
            "-Dkubernetes.rest-service.exposed.type=NodePort",
            "-Dkubernetes.service-account=flink-service-account",
            "-Djobmanager.memory.process.size=2048m",
            "-Dkubernetes.jobmanager.cpu.amount=2.0",
            "-Dtaskmanager.numberOfTaskSlots=4",
        ],
    ),
    session(
        "session-secrets-plugins",
        &[
            "-Dkubernetes.secrets=mysecret:/path/to/secret",
            "-Dkubernetes.env.secretKeyRef=env:SECRET_USERNAME,secret:mysecret,key:username;env:SECRET_PASSWORD,secret:mysecret,key:password",
            "-Dcontainerized.master.env.ENABLE_BUILT_IN_PLUGINS=flink-s3-fs-hadoop.jar",
        ],
    ),
    session(
        "metadata-and-scheduling",
        &[
            "-Dkubernetes.jobmanager.labels=team:data,tier:batch",
            "-Dkubernetes.jobmanager.annotations=owner:me,cost-center:42",
            "-Dkubernetes.jobmanager.node-selector=disk:ssd,zone:a",
            "-Dkubernetes.jobmanager.tolerations=key:dedicated,operator:Equal,value:flink,effect:NoSchedule;key:spot,operator:Exists,effect:NoExecute,tolerationSeconds:60",
            "-Dkubernetes.rest-service.labels=expose:yes",
            "-Dkubernetes.rest-service.annotations=lb:internal",
            "-Dkubernetes.internal-service.labels=rpc:yes",
            "-Dkubernetes.internal-service.annotations=note:internal",
            "-Dkubernetes.jobmanager.owner.reference=apiVersion:v1,kind:ConfigMap,name:parent,uid:00000000-0000-0000-0000-000000000001,controller:false,blockOwnerDeletion:false",
        ],
    ),
    session(
        "image-command-and-resources",
        &[
            "-Dkubernetes.container.image.ref=registry.example.com/flink:custom",
            "-Dkubernetes.container.image.pull-policy=Always",
            "-Dkubernetes.container.image.pull-secrets=regcred;other-cred",
            "-Dkubernetes.entry.path=/opt/entry.sh",
            "-Dkubernetes.jobmanager.entrypoint.args=-Dfoo=bar",
            "-Dkubernetes.flink.log.dir=/var/log/flink",
            "-Dkubernetes.flink.conf.dir=/etc/flink",
            "-Dkubernetes.jobmanager.cpu.amount=0.5",
            "-Dkubernetes.jobmanager.cpu.limit-factor=3",
            "-Dkubernetes.jobmanager.memory.limit-factor=1.5",
            "-Djobmanager.memory.process.size=3g",
            "-Dkubernetes.jobmanager.service-account=jm-sa",
            "-Drest.port=8082",
            "-Drest.bind-port=9091",
        ],
    ),
    session(
        "secrets-env-and-claims",
        &[
            "-Dkubernetes.secrets=zeta:/etc/zeta,alpha:/etc/alpha,mysecret:/etc/mine",
            "-Dkubernetes.env.secretKeyRef=env:USER,secret:creds,key:user;env:PASS,secret:creds,key:pass",
            "-Dkubernetes.persistent-volume-claims=data.claim:/data,logs:/logs",
            "-Dkubernetes.persistent-volume-claim-read-only=true",
            "-Dcontainerized.master.env.B_VAR=2",
            "-Dcontainerized.master.env.A_VAR=1",
            "-Dcontainerized.master.env.ZZ=3",
        ],
    ),
    // JVM options, the direct memory limit and the command line's template: part of the
    // JobManager's `java` command line where the client writes one (1.12), else only
    // shipped. (Not `env.java.opts` beside `….jobmanager`: from 1.19 the client cannot nest
    // the two in `config.yaml` and fails.)
    session(
        "jvm-options",
        &[
            "-Denv.java.opts.jobmanager=-Dy=2  -Dz=3",
            "-Djobmanager.memory.enable-jvm-direct-memory-limit=true",
            "-Djobmanager.memory.process.size=1234m",
            "-Dkubernetes.container-start-command-template=%java% %jvmmem% %classpath% %jvmopts% %logging% %class% %args% %redirects%",
        ],
    ),
    session(
        "host-network-load-balancer",
        &[
            "-Dkubernetes.hostnetwork.enabled=true",
            "-Dkubernetes.rest-service.exposed.type=LoadBalancer",
        ],
    ),
    // 1.13 and older know no `Headless_ClusterIP`: their client refuses it ("Could not parse
    // value for enum class …ServiceExposedType"), and so do we.
    Case {
        since: (1, 14),
        ..session(
            "headless-rest-service-with-ha",
            &[
                "-Dkubernetes.rest-service.exposed.type=Headless_ClusterIP",
                "-Dhigh-availability.type=kubernetes",
                "-Dhigh-availability.storageDir=file:///flink-ha",
                "-Dkubernetes.service-account=flink",
            ],
        )
    },
    session(
        "pod-templates",
        &[
            "-Dkubernetes.pod-template-file.jobmanager=tests/golden/templates/jobmanager-pod-template.yaml",
            "-Dkubernetes.pod-template-file.taskmanager=tests/golden/templates/taskmanager-pod-template.yaml",
            "-Dkubernetes.jobmanager.node-selector=disk:ssd",
        ],
    ),
    application(
        "application-default",
        &[
            "-Dkubernetes.container.image.ref=custom-image-name",
            "local:///opt/flink/usrlib/my-flink-job.jar",
        ],
    ),
    application(
        "application-with-program-options",
        &[
            "-Dkubernetes.container.image.ref=my/app:1",
            "-c",
            "com.example.Etl",
            "-p",
            "4",
            "local:///opt/flink/usrlib/etl.jar",
            "--date",
            "2026-11-27",
            "--dry",
        ],
    ),
];

impl Case {
    /// Whether the case applies to this PyPI release (e.g. `1.20.5`).
    pub fn applies_to(&self, release: &str) -> bool {
        let mut parts = release.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
        let line = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
        line >= self.since
    }

    /// The case of this name.
    pub fn named(name: &str) -> Option<&'static Case> {
        CASES.iter().find(|c| c.name == name)
    }

    /// The arguments with the cluster id (the case's name) in front, as recorded.
    pub fn args_with_id(&self) -> Vec<String> {
        let mut args = vec![format!("-Dkubernetes.cluster-id={}", self.name)];
        args.extend(self.args.iter().map(|a| a.to_string()));
        args
    }
}
