# moto 5.2.5 switches a blue/green deployment of an Aurora cluster over by renaming the two
# clusters only: their instances keep their names and, being attached to a cluster by its
# name, end up under the wrong one, and the renamed green cluster gets an endpoint of its
# own. RDS renames the instances too (blue `NAME` -> `NAME-old1`, green -> the blue names)
# and the endpoints follow the names, so the cluster keeps its endpoints. This makes moto's
# switchover do the same; deployments of single DB instances are left as moto has them.
import moto.rds.models as _rds_models

_moto_switchover = _rds_models.BlueGreenDeployment.switchover


def _galley_switchover(self):
    source = self._get_valid_instance_or_raise(self.source)
    target = self._get_valid_instance_or_raise(self.target)
    if not isinstance(source, _rds_models.DBCluster):
        return _moto_switchover(self)
    blue_id = source.db_cluster_identifier
    blue = [m.db_instance_identifier for m in source.members]
    green = [m.db_instance_identifier for m in target.members]
    _moto_switchover(self)
    backend = self.backend
    for name in blue:
        old = f"{name}-old1"
        backend.modify_db_instance(name, {"new_db_instance_identifier": old})
        backend.databases[old].db_cluster_identifier = f"{blue_id}-old1"
    for name in green:
        new = name.rsplit("-green-", 1)[0]
        backend.modify_db_instance(name, {"new_db_instance_identifier": new})
        backend.databases[new].db_cluster_identifier = blue_id
    now_blue = _rds_models.find_cluster(self.target)
    now_old = _rds_models.find_cluster(self.source)
    now_blue.url_identifier, now_old.url_identifier = (
        now_old.url_identifier,
        now_blue.url_identifier,
    )


_rds_models.BlueGreenDeployment.switchover = _galley_switchover
