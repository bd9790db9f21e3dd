from fitflow.kit.errors import AppError, NotFound


class ClassTypeNotFound(NotFound):
    code = "class_type_not_found"
    message = "No such class type in this studio."


class LocationNotFound(NotFound):
    code = "location_not_found"
    message = "No such location in this studio."


class UnknownClassTypes(AppError):
    status = 422
    code = "unknown_class_types"
    message = "Some class types are not this studio's, or are archived."


class UnknownLocation(AppError):
    status = 422
    code = "unknown_location"
    message = "location_id is not a location of this studio in use."
