//! Talking to the Kubernetes API server, reusing the kubeconfig exactly as
//! kubectl does.

pub mod client;
pub mod kubeconfig;
